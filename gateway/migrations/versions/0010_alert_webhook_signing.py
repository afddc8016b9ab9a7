"""the signing scheme of each org's alert webhooks: "standard" (Standard Webhooks) for new orgs,
"legacy" (the Seatgate-Signature HMAC) for the orgs that already had an alert webhook, so that
no receiver stops verifying on upgrade

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: a batch operation would rebuild the table
    # and end the migration's lock-holding transaction on SQLite.
    op.add_column(
        "orgs",
        sa.Column(
            "webhook_signing", sa.String(length=20), server_default="standard", nullable=False
        ),
    )
    op.execute(
        "UPDATE orgs SET webhook_signing = 'legacy'"
        " WHERE webhook_url IS NOT NULL OR webhook_secret IS NOT NULL"
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch operation would rebuild orgs, which SQLite
    # refuses while 0009's triggers on members name the table.
    op.drop_column("orgs", "webhook_signing")
