"""provider configs keep their last connection test

`provider_configs.last_test_*`: when, ok, latency, the models found, our error code and the
catalog message key with its parameters; NULL when untested or since the tested settings changed.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from turnout.store.types import PortableJSON, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("last_test_at", UTCDateTime()),
    ("last_test_ok", sa.Boolean()),
    ("last_test_latency_ms", sa.Float()),
    ("last_test_models", PortableJSON),
    ("last_test_error_code", sa.String(length=48)),
    ("last_test_message_key", sa.String(length=128)),
    ("last_test_message_params", PortableJSON),
)


def upgrade() -> None:
    with op.batch_alter_table("provider_configs") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_configs") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
