"""orgs.seats_active and orgs.seats_over_limit: the org's counted members, kept by triggers on
members, so that a seat decision reads them from the org row instead of counting members

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = {"seats_active": "active", "seats_over_limit": "over_limit"}
_TRIGGERS = ("insert", "update", "delete")
# Only a change of what counts touches the org row: most member updates leave both alone.
_SEAT_CHANGED = "OLD.seat_status IS DISTINCT FROM NEW.seat_status OR OLD.exempt <> NEW.exempt"


def _counts(row: str, status: str, cast: str) -> str:
    """1 when the member row counts towards `status` (non-exempt members only), else 0."""
    return f"({row}.seat_status = '{status}' AND NOT {row}.exempt){cast}"


def _set(*, add: str | None, subtract: str | None, cast: str) -> str:
    """The SET clause moving both counters by what `add` brings and `subtract` takes away."""
    changes = []
    for column, status in _COUNTERS.items():
        delta = "".join(
            f" {sign} {_counts(row, status, cast)}"
            for sign, row in (("+", add), ("-", subtract))
            if row is not None
        )
        changes.append(f"{column} = {column}{delta}")
    return ", ".join(changes)


def _sqlite() -> list[str]:
    # SQLite's comparisons are 0 or 1 already, and IS NOT is its IS DISTINCT FROM.
    changed = _SEAT_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    return [
        "CREATE TRIGGER members_seat_counts_insert AFTER INSERT ON members BEGIN "
        f"UPDATE orgs SET {_set(add='NEW', subtract=None, cast='')} WHERE id = NEW.org_id; END",
        "CREATE TRIGGER members_seat_counts_update AFTER UPDATE OF seat_status, exempt ON members "
        f"WHEN {changed} BEGIN "
        f"UPDATE orgs SET {_set(add='NEW', subtract='OLD', cast='')} WHERE id = NEW.org_id; END",
        "CREATE TRIGGER members_seat_counts_delete AFTER DELETE ON members BEGIN "
        f"UPDATE orgs SET {_set(add=None, subtract='OLD', cast='')} WHERE id = OLD.org_id; END",
    ]


def _postgresql() -> list[str]:
    # Statement-level triggers over the transition tables: one UPDATE of each org row touched
    # per statement. A row-level trigger updates the same org row once per member, and on
    # PostgreSQL each update of a row the transaction already updated walks a longer chain of
    # its versions: inserting 100,000 members in one transaction took minutes instead of seconds.
    # (Transition tables allow no column list and no WHEN: every UPDATE of members runs it, and
    # a change that moves no counter touches no org row.)
    def deltas(rows: str, sign: str) -> str:
        return (
            f"SELECT org_id, {sign}{_counts(rows, 'active', '::int')} AS active,"
            f" {sign}{_counts(rows, 'over_limit', '::int')} AS over_limit FROM {rows}"
        )

    changes = {
        "INSERT": deltas("after_rows", ""),
        "DELETE": deltas("before_rows", "-"),
        "UPDATE": f"{deltas('after_rows', '')} UNION ALL {deltas('before_rows', '-')}",
    }
    branches = "\n  ELSIF ".join(
        f"""TG_OP = '{operation}' THEN
    UPDATE orgs SET seats_active = seats_active + moved.active,
                    seats_over_limit = seats_over_limit + moved.over_limit
    FROM (SELECT org_id, sum(active) AS active, sum(over_limit) AS over_limit
          FROM ({rows}) AS changed GROUP BY org_id) AS moved
    WHERE orgs.id = moved.org_id AND (moved.active <> 0 OR moved.over_limit <> 0);"""
        for operation, rows in changes.items()
    )
    function = f"""
CREATE FUNCTION members_seat_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {branches}
  END IF;
  RETURN NULL;
END
$$"""
    run = "FOR EACH STATEMENT EXECUTE FUNCTION members_seat_counts()"
    return [
        function,
        "CREATE TRIGGER members_seat_counts_insert AFTER INSERT ON members"
        f" REFERENCING NEW TABLE AS after_rows {run}",
        "CREATE TRIGGER members_seat_counts_update AFTER UPDATE ON members"
        f" REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows {run}",
        "CREATE TRIGGER members_seat_counts_delete AFTER DELETE ON members"
        f" REFERENCING OLD TABLE AS before_rows {run}",
    ]


def _backfill() -> str:
    counts = ", ".join(
        f"{column} = (SELECT count(*) FROM members WHERE members.org_id = orgs.id"
        f" AND members.seat_status = '{status}' AND NOT members.exempt)"
        for column, status in _COUNTERS.items()
    )
    return f"UPDATE orgs SET {counts}"


def upgrade() -> None:
    # Plain ADD COLUMNs with a constant default: a batch operation would rebuild the table and
    # end the migration's lock-holding transaction on SQLite.
    for column in _COUNTERS:
        op.add_column("orgs", sa.Column(column, sa.Integer(), server_default="0", nullable=False))
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Triggers first, then the backfill, in one transaction: on PostgreSQL CREATE TRIGGER locks
    # members against writes until the migration commits, so no write falls between the two.
    for statement in _postgresql() if postgresql else _sqlite():
        op.execute(statement)
    op.execute(_backfill())


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in _TRIGGERS:
        op.execute(
            f"DROP TRIGGER members_seat_counts_{name}" + (" ON members" if postgresql else "")
        )
    if postgresql:
        op.execute("DROP FUNCTION members_seat_counts()")
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        for column in _COUNTERS:
            batch_op.drop_column(column)
