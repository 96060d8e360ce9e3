"""The request path: route → cache → rate limit → attempt → retry/backoff → failover → usage.

Pure policy lives beside the orchestration so it can be tested without I/O: ``retry`` decides
whether and how long to wait before another attempt, ``circuit`` keeps failing providers out
of the candidate list until a probe shows they recovered.
"""
