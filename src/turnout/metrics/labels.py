"""Model names as metric labels, from a bounded set: catalog models, configured ones, "other".

Upstreams answer with dated snapshots (`gpt-4o-2024-08-06`); those map to the longest known
name they extend. Anything else is "other", so a caller choosing model names can never grow
the number of time series.
"""

from __future__ import annotations

from collections.abc import Iterable

from turnout.providers import CATALOG

OTHER = "other"
NONE = "none"
MAX_CONFIGURED = 200
MAX_CACHED = 4096


def catalog_models() -> set[str]:
    """Every model the provider catalog names."""
    names: set[str] = set()
    for entry in CATALOG.values():
        names.update(info.model for info in entry.known_models)
        names.update(m for m in (entry.default_chat_model, entry.default_embedding_model) if m)
    return names


class ModelLabels:
    def __init__(self, known: Iterable[str] | None = None) -> None:
        self._catalog = frozenset(catalog_models() if known is None else known)
        self._configured: set[str] = set()
        self._cache: dict[str | None, str] = {}

    def allow(self, model: str | None) -> None:
        """Admit a configured model name (up to a bound) as a label of its own."""
        if (
            model
            and model not in self._catalog
            and model not in self._configured
            and len(self._configured) < MAX_CONFIGURED
        ):
            self._configured.add(model)
            self._cache.clear()

    def label(self, model: str | None) -> str:
        """The label for `model`."""
        cached = self._cache.get(model)
        if cached is not None:
            return cached
        found = self._resolve(model)
        if len(self._cache) < MAX_CACHED:
            self._cache[model] = found
        return found

    def _resolve(self, model: str | None) -> str:
        if not model:
            return NONE
        if model in self._catalog or model in self._configured:
            return model
        prefixes = [
            name
            for name in (*self._catalog, *self._configured)
            if model.startswith(name + "-") or model.startswith(name + ":")
        ]
        return max(prefixes, key=len) if prefixes else OTHER
