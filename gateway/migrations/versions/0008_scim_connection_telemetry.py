"""SCIM connection telemetry: per token totals (requests, last request, detected IdP profile)
and counters (errors by status class and scimType, quirk normalizations)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _token_id(table: str) -> sa.Column:
    return sa.Column(
        "token_id",
        sa.String(length=36),
        sa.ForeignKey(
            "scim_tokens.id", name=f"fk_{table}_token_id_scim_tokens", ondelete="CASCADE"
        ),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "scim_connection_totals",
        _token_id("scim_connection_totals"),
        sa.Column(
            "org_id",
            sa.String(length=36),
            sa.ForeignKey(
                "orgs.id", name="fk_scim_connection_totals_org_id_orgs", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("last_request_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idp_profile", sa.String(length=16), nullable=False),
        sa.Column("profile_signal", sa.String(length=200), nullable=False),
        sa.Column("profile_strength", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name="pk_scim_connection_totals"),
    )
    op.create_index("ix_scim_connection_totals_org_id", "scim_connection_totals", ["org_id"])
    op.create_table(
        "scim_connection_counts",
        _token_id("scim_connection_counts"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", "kind", "name", name="pk_scim_connection_counts"),
    )


def downgrade() -> None:
    op.drop_table("scim_connection_counts")
    op.drop_index("ix_scim_connection_totals_org_id", table_name="scim_connection_totals")
    op.drop_table("scim_connection_totals")
