"""Row ids: well-formed UUIDs; usage-row ids ordered by the time they were made."""

from __future__ import annotations

import time
import uuid

from turnout.store.types import new_id, new_time_ordered_id


def test_random_ids_are_version_4_uuids_and_unique() -> None:
    ids = [new_id() for _ in range(20_000)]
    parsed = [uuid.UUID(value) for value in ids]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in parsed)
    assert [str(u) for u in parsed] == ids  # canonical lower-case text
    assert len(set(ids)) == len(ids)


def test_time_ordered_ids_carry_their_millisecond_and_sort_by_it() -> None:
    before = time.time_ns() // 1_000_000
    first = new_time_ordered_id()
    time.sleep(0.002)
    second = new_time_ordered_id()
    after = time.time_ns() // 1_000_000
    for value in (first, second):
        parsed = uuid.UUID(value)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == value
        assert before <= parsed.int >> 80 <= after
    assert first < second


def test_time_ordered_ids_are_unique_within_one_millisecond() -> None:
    ids = [new_time_ordered_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
