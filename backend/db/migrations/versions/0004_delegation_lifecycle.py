"""channel partners: the delegation lifecycle (who invited, answered and revoked, and when) and
serials held by a partner

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db.models

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USERS = ("invited_by_user_id", "responded_by_user_id", "revoked_by_user_id")


def upgrade() -> None:
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        for column in _USERS:
            batch_op.add_column(sa.Column(column, sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_delegations_{column}_users"), "users", [column], ["id"]
            )
        batch_op.add_column(
            sa.Column("responded_at", backend.db.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revoked_at", backend.db.models.UTCDateTime(timezone=True), nullable=True)
        )


    with op.batch_alter_table("serials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_account_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_serials_holder_account_id_accounts"), "accounts", ["holder_account_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_serials_holder_account_id"), ["holder_account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("serials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_serials_holder_account_id"))
        batch_op.drop_constraint(batch_op.f("fk_serials_holder_account_id_accounts"), type_="foreignkey")
        batch_op.drop_column("holder_account_id")
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("responded_at")
        for column in reversed(_USERS):
            batch_op.drop_constraint(batch_op.f(f"fk_delegations_{column}_users"), type_="foreignkey")
            batch_op.drop_column(column)
