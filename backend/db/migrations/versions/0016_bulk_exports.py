"""Bulk exports: a connection query's every page written as JSONL in the background

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db.models

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("running_user_id", sa.Uuid(), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "CREATED",
                "RUNNING",
                "COMPLETED",
                "FAILED",
                "CANCELED",
                "EXPIRED",
                name="bulkexportstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("object_count", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", backend.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", backend.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", backend.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bulk_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["running_user_id"],
            ["users.id"],
            name=op.f("fk_bulk_exports_running_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_exports")),
        sa.UniqueConstraint("running_user_id", name=op.f("uq_bulk_exports_running_user_id")),
    )
    with op.batch_alter_table("bulk_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_exports_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_exports_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bulk_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_exports_expires_at"))
        batch_op.drop_index(batch_op.f("ix_bulk_exports_user_id"))
    op.drop_table("bulk_exports")
