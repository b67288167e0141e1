"""support_registrations: who entered the details last, and when (a prefill says whose they are);
existing rows get the user of the key request that made their license

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_support_registrations_entered_by_user_id_users"), "users", ["entered_by_user_id"], ["id"]
        )
    op.execute(
        """
        UPDATE support_registrations SET
          entered_by_user_id = (
            SELECT key_requests.user_id FROM licenses
            JOIN key_requests ON key_requests.id = licenses.key_request_id
            WHERE licenses.id = support_registrations.license_id
          ),
          entered_at = created_at
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("support_registrations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_support_registrations_entered_by_user_id_users"), type_="foreignkey")
        batch_op.drop_column("entered_at")
        batch_op.drop_column("entered_by_user_id")
