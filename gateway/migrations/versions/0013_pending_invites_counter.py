"""orgs.invites_pending: the org's invites in status pending, kept by triggers on invites, so that
the org lock's statement reads the invites holding a seat from the locked row (seen after a wait
for the lock on PostgreSQL, unlike a count in the same statement)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMN = "invites_pending"
_PENDING = "'pending'"
# Invites are few and written one at a time: row-level triggers (on members the counters move
# per statement, migration 0009, because of bulk writes).
_SQLITE = [
    "CREATE TRIGGER invites_pending_count_insert AFTER INSERT ON invites"
    f" WHEN NEW.status = {_PENDING} BEGIN"
    f" UPDATE orgs SET {_COLUMN} = {_COLUMN} + 1 WHERE id = NEW.org_id; END",
    "CREATE TRIGGER invites_pending_count_update AFTER UPDATE OF status ON invites"
    " WHEN OLD.status IS NOT NEW.status BEGIN"
    f" UPDATE orgs SET {_COLUMN} = {_COLUMN} + (NEW.status = {_PENDING})"
    f" - (OLD.status = {_PENDING}) WHERE id = NEW.org_id; END",
    "CREATE TRIGGER invites_pending_count_delete AFTER DELETE ON invites"
    f" WHEN OLD.status = {_PENDING} BEGIN"
    f" UPDATE orgs SET {_COLUMN} = {_COLUMN} - 1 WHERE id = OLD.org_id; END",
]
_POSTGRESQL = [
    f"""
CREATE FUNCTION invites_pending_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.status = {_PENDING} THEN
      UPDATE orgs SET {_COLUMN} = {_COLUMN} - 1 WHERE id = OLD.org_id;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.status = {_PENDING} THEN
      UPDATE orgs SET {_COLUMN} = {_COLUMN} + 1 WHERE id = NEW.org_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$""",
    "CREATE TRIGGER invites_pending_count_insert_delete AFTER INSERT OR DELETE ON invites"
    " FOR EACH ROW EXECUTE FUNCTION invites_pending_count()",
    "CREATE TRIGGER invites_pending_count_update AFTER UPDATE OF status ON invites"
    " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)"
    " EXECUTE FUNCTION invites_pending_count()",
]


def upgrade() -> None:
    op.add_column("orgs", sa.Column(_COLUMN, sa.Integer(), server_default="0", nullable=False))
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Triggers first, then the backfill, in one transaction (as in 0009: on PostgreSQL CREATE
    # TRIGGER locks invites against writes until the migration commits).
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    op.execute(
        f"UPDATE orgs SET {_COLUMN} = (SELECT count(*) FROM invites"
        f" WHERE invites.org_id = orgs.id AND invites.status = {_PENDING})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert_delete", "update"):
            op.execute(f"DROP TRIGGER invites_pending_count_{name} ON invites")
        op.execute("DROP FUNCTION invites_pending_count()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER invites_pending_count_{name}")
    # A plain DROP COLUMN (SQLite 3.35+), as in 0010: a batch operation would rebuild orgs,
    # which the triggers on members (0009) name.
    op.drop_column("orgs", _COLUMN)
