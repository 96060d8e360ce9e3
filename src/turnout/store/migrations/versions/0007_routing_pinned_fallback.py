"""routing: may fallbacks serve a request that names its provider

`tenant_routing.fallback_for_pinned`, false by default: a request naming a provider is served
by that provider or fails with its attempts.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant_routing") as batch:
        batch.add_column(
            sa.Column("fallback_for_pinned", sa.Boolean(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant_routing") as batch:
        batch.drop_column("fallback_for_pinned")
