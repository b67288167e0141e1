"""Single sign-on: an account's OpenID Connect providers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column(
            "join_role",
            sa.Enum("ADMIN", "MEMBER", "VIEWER", name="role", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("require_sso", sa.Boolean(), nullable=False),
        sa.Column("break_glass_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sso_connections_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["break_glass_user_id"],
            ["users.id"],
            name=op.f("fk_sso_connections_break_glass_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_connections")),
        sa.UniqueConstraint("account_id", name=op.f("uq_sso_connections_account_id")),
    )
    op.create_table(
        "sso_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sso_connections.id"],
            name=op.f("fk_sso_domains_connection_id_sso_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_sso_domains")),
    )
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_domains_connection_id"), ["connection_id"], unique=False)
    op.create_table(
        "sso_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sso_connections.id"],
            name=op.f("fk_sso_logins_connection_id_sso_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_sso_logins")),
    )
    with op.batch_alter_table("sso_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_logins_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sso_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_logins_expires_at"))
    op.drop_table("sso_logins")
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_domains_connection_id"))
    op.drop_table("sso_domains")
    op.drop_table("sso_connections")
