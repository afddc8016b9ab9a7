"""groups.member_count: the group's direct members, kept by triggers on group_members, so that a
PATCH answer can tell whether the group is too big to list without walking its members

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMN = "member_count"
# Rows of group_members are inserted and deleted, never moved to another group (group_id and
# member_id are the primary key), so an UPDATE moves no count. A group's deletion cascades to
# its rows, whose triggers then find no group row to update.
_SQLITE = [
    "CREATE TRIGGER group_members_count_insert AFTER INSERT ON group_members BEGIN"
    f" UPDATE groups SET {_COLUMN} = {_COLUMN} + 1 WHERE id = NEW.group_id; END",
    "CREATE TRIGGER group_members_count_delete AFTER DELETE ON group_members BEGIN"
    f" UPDATE groups SET {_COLUMN} = {_COLUMN} - 1 WHERE id = OLD.group_id; END",
]
# Statement-level over the transition tables, as the members' seat counters (0009): a PATCH adds
# members by the hundred, and a row-level trigger would update the group row once per member.
_POSTGRESQL = [
    f"""
CREATE FUNCTION group_members_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE groups SET {_COLUMN} = {_COLUMN} + moved.n
    FROM (SELECT group_id, count(*) AS n FROM after_rows GROUP BY group_id) AS moved
    WHERE groups.id = moved.group_id;
  ELSE
    UPDATE groups SET {_COLUMN} = {_COLUMN} - moved.n
    FROM (SELECT group_id, count(*) AS n FROM before_rows GROUP BY group_id) AS moved
    WHERE groups.id = moved.group_id;
  END IF;
  RETURN NULL;
END
$$""",
    "CREATE TRIGGER group_members_count_insert AFTER INSERT ON group_members"
    " REFERENCING NEW TABLE AS after_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION group_members_count()",
    "CREATE TRIGGER group_members_count_delete AFTER DELETE ON group_members"
    " REFERENCING OLD TABLE AS before_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION group_members_count()",
]


def upgrade() -> None:
    op.add_column("groups", sa.Column(_COLUMN, sa.Integer(), server_default="0", nullable=False))
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Triggers first, then the backfill, in one transaction (as in 0009: on PostgreSQL CREATE
    # TRIGGER locks group_members against writes until the migration commits).
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    op.execute(
        f"UPDATE groups SET {_COLUMN} = (SELECT count(*) FROM group_members"
        " WHERE group_members.group_id = groups.id)"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "delete"):
        op.execute(
            f"DROP TRIGGER group_members_count_{name}" + (" ON group_members" if postgresql else "")
        )
    if postgresql:
        op.execute("DROP FUNCTION group_members_count()")
    # A plain DROP COLUMN (SQLite 3.35+), as in 0010 and 0013.
    op.drop_column("groups", _COLUMN)
