"""the SCIM error log: the newest error responses answered to each org's identity provider

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
    op.create_table(
        "scim_error_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "org_id",
            sa.String(length=36),
            sa.ForeignKey("orgs.id", name="fk_scim_error_log_org_id_orgs", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("scim_type", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scim_error_log"),
    )
    op.create_index("ix_scim_error_log_org_id_id", "scim_error_log", ["org_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_scim_error_log_org_id_id", table_name="scim_error_log")
    op.drop_table("scim_error_log")
