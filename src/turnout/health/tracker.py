"""Every provider's health as this replica knows it, read on the request path.

Checks and live traffic feed `record()`; the stored rows of other replicas arrive through
`merge()`, where the most recently observed state wins. Reads are dictionary lookups: the
switcher asks `is_unhealthy()` for every candidate of every request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from turnout.configs.runtime import ProviderRef
from turnout.health.status import HealthPolicy, HealthState, HealthStatus, Outcome, observe, reason

USABLE: frozenset[HealthStatus] = frozenset({"healthy", "degraded"})


@dataclass(frozen=True, slots=True)
class Transition:
    """A provider's status changed."""

    ref: ProviderRef
    before: HealthState
    after: HealthState
    reason: str

    @property
    def from_status(self) -> HealthStatus:
        return self.before.status

    @property
    def to_status(self) -> HealthStatus:
        return self.after.status


StoredHealth = tuple[ProviderRef, HealthState | None]


class HealthTracker:
    def __init__(self, policy: HealthPolicy) -> None:
        self.policy = policy
        self._entries: dict[str, tuple[ProviderRef, HealthState]] = {}
        self._unhealthy: set[str] = set()

    def is_unhealthy(self, provider_id: str) -> bool:
        """Whether the provider is known to be unhealthy (unknown ones are not)."""
        return provider_id in self._unhealthy

    def healthy_providers(self, tenant_id: str) -> list[str]:
        """Ids of the tenant's enabled providers that are healthy or degraded."""
        return [
            ref.id for ref, state in self._entries.values()
            if ref.tenant_id == tenant_id and ref.enabled and state.status in USABLE
        ]

    def state(self, provider_id: str) -> HealthState:
        entry = self._entries.get(provider_id)
        return entry[1] if entry else HealthState()

    def ref(self, provider_id: str) -> ProviderRef | None:
        entry = self._entries.get(provider_id)
        return entry[0] if entry else None

    def provider_type(self, provider_id: str) -> str | None:
        entry = self._entries.get(provider_id)
        return entry[0].provider_type if entry else None

    def record(self, ref: ProviderRef, outcome: Outcome) -> Transition | None:
        """Apply one outcome; the transition when the status changed."""
        before = self.state(ref.id)
        after = observe(before, outcome, self.policy)
        self._set(ref, after)
        if after.status == before.status:
            return None
        return Transition(ref, before, after, reason(before, after, self.policy))

    def merge(self, rows: Iterable[StoredHealth], *, complete: bool = False) -> None:
        """Adopt stored states newer than ours; `complete` rows also drop providers not listed."""
        seen: set[str] = set()
        for ref, stored in rows:
            seen.add(ref.id)
            local = self.state(ref.id)
            newer = stored is not None and (
                local.updated_at is None
                or (stored.updated_at is not None and stored.updated_at >= local.updated_at)
            )
            self._set(ref, stored if newer and stored is not None else local)
        if complete:
            for provider_id in set(self._entries) - seen:
                del self._entries[provider_id]
                self._unhealthy.discard(provider_id)

    def counts(self) -> Counter[tuple[str, str]]:
        """Enabled providers by (provider type, status)."""
        return Counter(
            (ref.provider_type, state.status)
            for ref, state in self._entries.values() if ref.enabled
        )

    def _set(self, ref: ProviderRef, state: HealthState) -> None:
        self._entries[ref.id] = (ref, state)
        if state.status == "unhealthy":
            self._unhealthy.add(ref.id)
        else:
            self._unhealthy.discard(ref.id)
