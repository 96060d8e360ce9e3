"""`turnout batch …`: submit a JSONL file to a running Turnout, follow the job, fetch its results.

A client of Turnout's own HTTP API (never its database), so it works against any deployment:
`client` speaks the API, `follow` keeps up with a job, `view` draws progress and summaries,
`commands` is what each command does.
"""
