"""host IDs in one normal form (trimmed, lower case) wherever they are stored

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("key_requests", "licenses", "license_keys")


def upgrade() -> None:
    # Activations of one key on one host that differ only in case are one host: keep the first seen.
    op.execute(
        """
        DELETE FROM activations
        WHERE EXISTS (
            SELECT 1 FROM activations AS earlier
            WHERE earlier.license_key_id = activations.license_key_id
              AND lower(trim(earlier.host_id)) = lower(trim(activations.host_id))
              AND (earlier.first_seen_at < activations.first_seen_at
                   OR (earlier.first_seen_at = activations.first_seen_at AND earlier.id < activations.id))
        )
        """
    )
    for table in (*_TABLES, "activations"):
        op.execute(f"UPDATE {table} SET host_id = lower(trim(host_id)) WHERE host_id IS NOT NULL")


def downgrade() -> None:
    """The normal form is a valid host ID too: nothing to undo."""
