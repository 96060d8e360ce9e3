"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

PortableJSON = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes, also on SQLite (which stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Seeded from os.urandom once; row and request ids need uniqueness, not secrecy.
_random = random.Random()  # noqa: S311
_V4 = (0x4 << 76) | (0x2 << 62)  # version 4 and the RFC 4122 variant
_VERSION_AND_VARIANT_CLEARED = ~((0xF << 76) | (0x3 << 62))
_V7 = (0x7 << 76) | (0x2 << 62)


def _text(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_id() -> str:
    """A random (version 4) UUID without a system call per id: ids are made on the hot path."""
    return _text((_random.getrandbits(128) & _VERSION_AND_VARIANT_CLEARED) | _V4)


def new_time_ordered_id() -> str:
    """A version 7 UUID: milliseconds since the epoch first, so new rows sort (and index) last.

    For append-mostly tables such as the usage log: the primary-key index grows at its end
    instead of at random pages.
    """
    millis = time.time_ns() // 1_000_000
    return _text((millis << 80) | (_random.getrandbits(80) & _VERSION_AND_VARIANT_CLEARED) | _V7)
