"""provider key hint: the masked key shown in responses

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("provider_configs") as batch:
        batch.add_column(sa.Column("api_key_hint", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_configs") as batch:
        batch.drop_column("api_key_hint")
