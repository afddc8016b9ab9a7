"""the mass-deprovisioning guard: holds, the deprovisions held in them, the members' hold mark,
per-org guard limits, and urgent outbox messages (sent past the alert digest window)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEPROVISION_REASONS = "reason IN ('deactivated', 'deleted')"
_ORG_COLUMNS = (
    ("deprovision_guard_share", sa.Float()),
    ("deprovision_guard_count", sa.Integer()),
    ("deprovision_guard_window_seconds", sa.Integer()),
)


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, or with a constant default): a batch operation would rebuild
    # the table and end the migration's lock-holding transaction on SQLite.
    for name, kind in _ORG_COLUMNS:
        op.add_column("orgs", sa.Column(name, kind, nullable=True))
    op.add_column("members", sa.Column("deprovision_hold_id", sa.String(length=36), nullable=True))
    op.add_column(
        "outbox", sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # Partial: only the deprovision entries the guard counts maintain it.
    op.create_index(
        "ix_seat_ledger_deprovisions",
        "seat_ledger",
        ["org_id", "at"],
        sqlite_where=sa.text(_DEPROVISION_REASONS),
        postgresql_where=sa.text(_DEPROVISION_REASONS),
    )
    op.create_table(
        "deprovision_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "org_id",
            sa.String(length=36),
            sa.ForeignKey("orgs.id", name="fk_deprovision_holds_org_id_orgs", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=400), nullable=True),
        sa.Column("decided_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deprovision_holds"),
    )
    op.create_index("ix_deprovision_holds_org_id_state", "deprovision_holds", ["org_id", "state"])
    op.create_table(
        "held_deprovisions",
        sa.Column(
            "member_id",
            sa.String(length=36),
            sa.ForeignKey(
                "members.id", name="fk_held_deprovisions_member_id_members", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "hold_id",
            sa.String(length=36),
            sa.ForeignKey(
                "deprovision_holds.id",
                name="fk_held_deprovisions_hold_id_deprovision_holds",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column(
            "draft",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_held_deprovisions"),
    )
    op.create_index(
        "ix_held_deprovisions_hold_id", "held_deprovisions", ["hold_id", "requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_seat_ledger_deprovisions", table_name="seat_ledger")
    op.drop_index("ix_held_deprovisions_hold_id", table_name="held_deprovisions")
    op.drop_table("held_deprovisions")
    op.drop_index("ix_deprovision_holds_org_id_state", table_name="deprovision_holds")
    op.drop_table("deprovision_holds")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("urgent")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("deprovision_hold_id")
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        for name, _ in _ORG_COLUMNS:
            batch_op.drop_column(name)
