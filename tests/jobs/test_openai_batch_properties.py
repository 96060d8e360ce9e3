"""Whatever a batch file holds, every line that is not blank is accounted for exactly once:
answered in the output file or explained in the error file, never dropped, never a server
error."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.jobs.test_openai_batch import CHAT, EMBEDDINGS, finished, line, lines_of, upload
from turnout.security.roles import Role


def _dumps(value: object) -> bytes:
    """JSON text as any client may write it: integers past 64 bits, lone surrogates, Infinity."""
    return json.dumps(value).encode()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)
_ids = st.sampled_from(["a", "b", "", "c" * 300]) | st.text(max_size=12)
_requests = st.builds(
    lambda cid, text, url: line(cid, {"model": "auto",
                                      "messages": [{"role": "user", "content": text}]}, url=url),
    _ids, st.text(max_size=20), st.sampled_from([CHAT, CHAT, EMBEDDINGS]),
)
_near_misses = st.builds(
    lambda cid, body, method: _dumps({"custom_id": cid, "method": method, "url": CHAT,
                                      "body": body}),
    _ids | st.integers(), _json, st.sampled_from(["POST", "GET", None]),
)
_lines = st.lists(_requests | _near_misses | _json.map(_dumps) | st.binary(max_size=40),
                  min_size=1, max_size=10)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=_lines)
async def test_every_line_is_answered_or_explained_once(client, tenant, lines):
    member = tenant.headers(Role.MEMBER, via_key=True)
    content = b"\n".join(lines) + b"\n" + line("anchor", {"model": "auto", "messages": []})
    expected = sum(1 for text in content.splitlines() if text.strip())
    file_id = (await upload(client, member, content)).json()["id"]
    created = await client.post(
        "/v1/batches",
        json={"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"},
        headers=member,
    )
    assert created.status_code == 200, created.text
    assert created.json()["request_counts"]["total"] == expected
    done = await finished(client, created.json()["id"], member)
    output = await lines_of(client, done["output_file_id"], member) if done[
        "output_file_id"] else []
    errors = await lines_of(client, done["error_file_id"], member)
    assert len(output) + len(errors) == expected
    for entry in errors:
        assert entry["custom_id"] is not None or entry["error"]["line"] >= 1
        assert entry["error"]["code"] and entry["error"]["message"]
