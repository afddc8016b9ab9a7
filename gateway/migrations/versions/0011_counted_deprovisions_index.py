"""the guard's deprovision index holds only the deprovisions it counts (not the deletion of a
member already deactivated) and their member ids, so that its count of the window's members
reads the index alone

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_seat_ledger_deprovisions"
# As seats/storage/tables.py spells them, so that the planners match the guard's query to them.
_DEPROVISIONS = "reason IN ('deactivated', 'deleted')"
_COUNTED = f"{_DEPROVISIONS} AND (from_status IS NULL OR from_status != 'deactivated')"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="seat_ledger")
    op.create_index(
        _INDEX,
        "seat_ledger",
        ["org_id", "at", "member_id"],
        sqlite_where=sa.text(_COUNTED),
        postgresql_where=sa.text(_COUNTED),
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="seat_ledger")
    op.create_index(
        _INDEX,
        "seat_ledger",
        ["org_id", "at"],
        sqlite_where=sa.text(_DEPROVISIONS),
        postgresql_where=sa.text(_DEPROVISIONS),
    )
