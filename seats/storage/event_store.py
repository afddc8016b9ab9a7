"""SQL of the event log: append a transaction's events, read the feed, prune by age.

Why positions come from a one-row counter and not from an autoincrement or a sequence: a
sequence value is taken when a row is inserted, not when its transaction commits, so on
PostgreSQL a reader can see position 8 committed while 7 is still in flight, move its cursor past
7 and never see it. Here a transaction takes its positions from `event_sequence` in its last
statement before COMMIT; the UPDATE holds that row's lock until the commit, so the next
transaction gets higher positions only after this one is visible. Positions are therefore
handed out in commit order, without gaps (a rollback returns its positions), and a reader that
reads the counter first and then the events up to it never misses one. The cost on PostgreSQL
is that commits which append events queue one after another for the few milliseconds of their
COMMIT.

On SQLite the single writer already commits one transaction after another, so the table's own
AUTOINCREMENT numbering is in commit order (and never reuses a pruned position): rows are
inserted without positions and the horizon is SQLite's sequence of the table, one statement per
transaction fewer on the path of every SCIM write.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage import ledger_store
from seats.storage.direct_statements import DirectInsert, execute_sql_on_postgresql
from seats.storage.event_tables import event_sequence, events
from seats.storage.ledger_store import NewEntry
from seats.storage.tables import UTCDateTime

# The positions are taken and the rows numbered in one statement; the seat ledger's entries
# derived from the events are inserted by the same statement (one round trip in all).
_TAKE_AND_INSERT = """
    WITH taken AS (
        UPDATE event_sequence SET last_id = last_id + $1 WHERE id = 1 RETURNING last_id
    ){ledger}
    INSERT INTO events (id, org_id, type, data, created_at)
    SELECT taken.last_id - $1 + row.n, row.org_id, row.type, row.data::jsonb, $5
    FROM taken, unnest($2::text[], $3::text[], $4::text[])
        WITH ORDINALITY AS row(org_id, type, data, n)
"""
_POSTGRESQL_APPEND = _TAKE_AND_INSERT.format(ledger="")
_POSTGRESQL_APPEND_WITH_LEDGER = _TAKE_AND_INSERT.format(
    ledger=f", ledger AS ({ledger_store.postgresql_insert(6)})"
)
# SQLite numbers the rows itself (the id column left out: AUTOINCREMENT's next position).
_SQLITE_INSERT = DirectInsert(events, ("org_id", "type", "data", "created_at"))
_CREATED_AT = UTCDateTime()  # applied by hand to PostgreSQL's driver-level statement
_HORIZON = sa.select(event_sequence.c.last_id, event_sequence.c.pruned_through).where(
    event_sequence.c.id == 1
)
_SQLITE_HORIZON = sa.text(
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS last_id,"
    " pruned_through FROM event_sequence WHERE id = 1"
)


@dataclass(frozen=True)
class StoredEvent:
    position: int
    org_id: str
    type: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Horizon:
    """What a reader may see: positions up to `last`, of which those up to `pruned_through`
    are gone."""

    last: int
    pruned_through: int


async def append(
    conn: AsyncConnection,
    rows: Sequence[tuple[str, str, dict[str, Any]]],
    *,
    ledger: Sequence[NewEntry] = (),
    at: datetime,
) -> None:
    """Append (org id, type, data) rows in order, and the seat ledger's entries derived from
    them. Run it as the transaction's last statement (see the module docstring)."""
    if conn.dialect.name == "sqlite":
        ledger_store.append_on_sqlite(conn, ledger, at=at)
        _SQLITE_INSERT.run(conn, [(org_id, type_, data, at) for org_id, type_, data in rows])
        return
    parameters: tuple[Any, ...] = (
        len(rows),
        [org_id for org_id, _, _ in rows],
        [type_ for _, type_, _ in rows],
        [json.dumps(data) for _, _, data in rows],
        _CREATED_AT.process_bind_param(at, conn.dialect),
    )
    if ledger:
        parameters += ledger_store.postgresql_parameters(conn, ledger, at=at)
        await execute_sql_on_postgresql(conn, _POSTGRESQL_APPEND_WITH_LEDGER, parameters)
    else:
        await execute_sql_on_postgresql(conn, _POSTGRESQL_APPEND, parameters)


async def horizon(conn: AsyncConnection) -> Horizon:
    statement = _SQLITE_HORIZON if conn.dialect.name == "sqlite" else _HORIZON
    row = (await conn.execute(statement)).one()
    return Horizon(last=row.last_id, pruned_through=row.pruned_through)


async def read_after(
    conn: AsyncConnection,
    after: int,
    *,
    through: int,
    limit: int,
    org_ids: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
) -> list[StoredEvent]:
    """Events after position `after` and up to `through`, oldest first, optionally of some orgs
    and types only."""
    query = sa.select(events).where(events.c.id > after, events.c.id <= through)
    if org_ids is not None:
        query = query.where(events.c.org_id.in_(org_ids))
    if types is not None:
        query = query.where(events.c.type.in_(types))
    rows = (await conn.execute(query.order_by(events.c.id).limit(limit))).mappings()
    return [
        StoredEvent(row["id"], row["org_id"], row["type"], row["data"], row["created_at"])
        for row in rows
    ]


async def prune(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete the events created before `before`; return how many went. The positions they
    held are remembered, so a cursor pointing among them is refused rather than silently
    skipping ahead."""
    newest = (
        await conn.execute(sa.select(sa.func.max(events.c.id)).where(events.c.created_at < before))
    ).scalar_one()
    if newest is None:
        return 0
    deleted = await conn.execute(events.delete().where(events.c.id <= newest))
    await conn.execute(
        event_sequence.update()
        .where(event_sequence.c.id == 1, event_sequence.c.pruned_through < newest)
        .values(pruned_through=newest)
    )
    return deleted.rowcount
