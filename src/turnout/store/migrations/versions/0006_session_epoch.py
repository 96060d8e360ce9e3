"""session epoch and usernames unique per tenant

`users.session_epoch` is carried by session tokens; raising it ends the user's sessions.
Usernames become unique per tenant instead of across Turnout, with an index on the username
alone for logins that name no tenant. Going down fails while a username is used in more than
one tenant: rename those users first.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
        batch.drop_constraint("uq_users_username", type_="unique")
        batch.create_unique_constraint("uq_users_tenant_id", ["tenant_id", "username"])
        batch.create_index("ix_users_username", ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_username")
        batch.drop_constraint("uq_users_tenant_id", type_="unique")
        batch.create_unique_constraint("uq_users_username", ["username"])
        batch.drop_column("session_epoch")
