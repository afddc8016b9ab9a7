"""members.seat_held: a seat an admin released stays released until an admin assigns one

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite allows it with a constant default): a batch operation would
    # rebuild the table and end the migration's lock-holding transaction on SQLite.
    op.add_column(
        "members", sa.Column("seat_held", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("seat_held")
