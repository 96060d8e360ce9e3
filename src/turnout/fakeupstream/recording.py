"""The requests the fake upstream received, newest last, bounded."""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Any

MAX_RECORDED = 10_000


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    json: Any | None
    flavor: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Recorder:
    def __init__(self, limit: int = MAX_RECORDED) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=limit)

    def add(self, item: RecordedRequest) -> None:
        self._items.append(item)

    def clear(self) -> None:
        self._items.clear()

    def all(self) -> list[RecordedRequest]:
        return list(self._items)
