"""schemathesis hooks for tests/security/test_schemathesis.py: no call leaves this machine.

Provider configs and the alert webhook hold URLs that Turnout calls (connection tests, requests,
health checks, alerts). Before each request the fuzzer sends, whatever URL it invented there is
replaced by the fake upstream's (on loopback), so nothing Turnout does reaches another host and
no name is ever looked up in DNS. Loaded by `st` through SCHEMATHESIS_HOOKS; the upstream's URLs
come in TURNOUT_FUZZ_UPSTREAM.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

_UPSTREAM: dict[str, Any] = json.loads(os.environ.get("TURNOUT_FUZZ_UPSTREAM", "{}"))
# The ids of the running role's own user and key: changing or removing them would end the
# run's session (documented 401s from then on) and with it the rest of the run's coverage.
_PROTECTED: set[str] = set(json.loads(os.environ.get("TURNOUT_FUZZ_PROTECTED", "[]")))


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    parameters = case.path_parameters or {}
    for name, value in parameters.items():
        if value in _PROTECTED and case.method.upper() in ("PATCH", "DELETE"):
            parameters[name] = "not-the-callers-own"
    body = case.body
    if not isinstance(body, dict) or case.method.upper() not in ("POST", "PUT", "PATCH"):
        return
    path = case.operation.path
    if path.startswith("/admin/config/llm"):
        by_type = _UPSTREAM["by_type"]
        kind = body.get("provider_type")
        body["base_url"] = by_type.get(kind) if isinstance(kind, str) else None
        body["base_url"] = body["base_url"] or _UPSTREAM["root"]
    elif path == "/api/v1/llm/alerts/webhook":
        body["url"] = _UPSTREAM["root"] + "/alerts"
    elif path.startswith("/api/v1/preannotation/") and "label_studio_url" in body:
        body["label_studio_url"] = _UPSTREAM["root"] + "/label-studio"


# The JSONL batch upload is a binary body: sent as the bytes generated for it.
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
