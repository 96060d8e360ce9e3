"""How secrets look in responses, audit diffs and logs: `sk-…a1b2`."""

from __future__ import annotations

from typing import Any

MASK = "…"
_VISIBLE_TAIL = 4
_MIN_LENGTH_FOR_TAIL = 12
SECRET_FIELD_NAMES = frozenset(
    {"api_key", "password", "password_hash", "secret", "secret_key", "token", "key", "key_hash"}
)


def mask_secret(secret: str | None) -> str | None:
    """Keep a recognisable prefix (`sk-`, `tk-`) and, for long secrets, the last four characters."""
    if not secret:
        return None
    head, dash, _ = secret.partition("-")
    prefix = head + dash if dash and len(head) <= 4 else ""
    tail = secret[-_VISIBLE_TAIL:] if len(secret) >= _MIN_LENGTH_FOR_TAIL else ""
    return f"{prefix}{MASK}{tail}"


def mask_mapping(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of `values` with every secret-named field masked, recursively."""
    masked: dict[str, Any] = {}
    for name, value in values.items():
        if name in SECRET_FIELD_NAMES and isinstance(value, str):
            masked[name] = mask_secret(value)
        elif isinstance(value, dict):
            masked[name] = mask_mapping(value)
        else:
            masked[name] = value
    return masked
