"""Attempts as callers see them: Turnout's code and localised message, never upstream text.

An upstream's own error text can carry anything it echoes back, the provider key included, so
only admins get it, and then only scrubbed and cut short (`detail`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from turnout.api.messages import localised_message
from turnout.gateway.context import Attempt, AttemptStatus
from turnout.i18n import load_catalogs, negotiate_locale
from turnout.security.redaction import redact
from turnout.security.roles import Principal, Role

EXCERPT_CHARS = 200


@dataclass(frozen=True, slots=True)
class Audience:
    """Who reads a response: their language, and whether they may see upstream excerpts."""

    locale: str
    admin: bool

    def attempts(self, attempts: Sequence[Attempt]) -> list[dict[str, Any]]:
        return attempts_view(attempts, self.locale, admin=self.admin)


def audience_of(request: Request) -> Audience:
    return Audience(negotiate_locale(request.headers.get("accept-language")), is_admin(request))


def is_admin(request: Request) -> bool:
    """Whether the authenticated caller of `request` is a tenant admin."""
    principal = request.scope.get("state", {}).get("principal")
    return isinstance(principal, Principal) and principal.role is Role.ADMIN


def attempts_view(
    attempts: Sequence[Attempt], locale: str, *, admin: bool
) -> list[dict[str, Any]]:
    return [attempt_view(attempt, locale, admin=admin) for attempt in attempts]


def attempt_view(attempt: Attempt, locale: str, *, admin: bool) -> dict[str, Any]:
    view = {
        "provider_id": attempt.provider.id,
        "provider": attempt.provider.name,
        "provider_type": attempt.provider.provider_type,
        "model": attempt.model,
        "status": attempt.status.value,
        "latency_ms": round(attempt.latency_ms, 3),
        "code": attempt.code,
        "message": _message(attempt, locale),
        "retry_after_s": attempt.retry_after_s,
    }
    error = attempt.error
    if admin and error is not None and error.detail:
        view["detail"] = redact(error.detail)[:EXCERPT_CHARS]
    return view


def _message(attempt: Attempt, locale: str) -> str | None:
    if attempt.error is not None:
        return localised_message(attempt.error, locale, provider=attempt.provider.name)
    if attempt.skip_code is not None:
        return load_catalogs().t(f"attempts.skipped.{attempt.skip_code}", locale)
    if attempt.status in (AttemptStatus.CANCELLED, AttemptStatus.CACHE_HIT):
        return load_catalogs().t(f"attempts.{attempt.status.value}", locale)
    return None
