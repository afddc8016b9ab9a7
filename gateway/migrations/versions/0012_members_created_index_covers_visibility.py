"""the members' (org_id, created_at, id) index also holds deprovision_hold_id, so that counting
the users SCIM sees (a list page's totalResults) reads the index alone instead of every member row

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_members_org_created"


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="members")
    op.create_index(_INDEX, "members", ["org_id", "created_at", "id", "deprovision_hold_id"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="members")
    op.create_index(_INDEX, "members", ["org_id", "created_at", "id"])
