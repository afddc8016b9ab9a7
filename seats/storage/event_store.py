"""SQL of the event log: append a transaction's events, read the feed, prune by age.

Why positions come from a one-row counter and not from an autoincrement or a sequence: a
sequence value is taken when a row is inserted, not when its transaction commits, so on
PostgreSQL a reader can see position 8 committed while 7 is still in flight, move its cursor past
7 and never see it. Here a transaction takes its positions from `event_sequence` in its last
statement before COMMIT; the UPDATE holds that row's lock until the commit, so the next
transaction gets higher positions only after this one is visible. Positions are therefore
handed out in commit order, without gaps (a rollback returns its positions), and a reader that
reads the counter first and then the events up to it never misses one. On SQLite the single
writer gives the same order; the same statements run there. The cost on PostgreSQL is that
commits which append events queue one after another for the few milliseconds of their COMMIT.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.event_tables import event_sequence, events

_ADVANCE = (
    event_sequence.update()
    .where(event_sequence.c.id == 1)
    .values(last_id=event_sequence.c.last_id + sa.bindparam("count"))
    .returning(event_sequence.c.last_id)
)
_INSERT = events.insert()
_HORIZON = sa.select(event_sequence.c.last_id, event_sequence.c.pruned_through).where(
    event_sequence.c.id == 1
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
    conn: AsyncConnection, rows: Sequence[tuple[str, str, dict[str, Any]]], *, at: datetime
) -> int:
    """Append (org id, type, data) rows in order; return the position of the last one.
    Run it as the transaction's last statement (see the module docstring)."""
    last = (await conn.execute(_ADVANCE, {"count": len(rows)})).scalar_one()
    first = last - len(rows) + 1
    await conn.execute(
        _INSERT,
        [
            {"id": first + i, "org_id": org_id, "type": type_, "data": data, "created_at": at}
            for i, (org_id, type_, data) in enumerate(rows)
        ],
    )
    return last


async def horizon(conn: AsyncConnection) -> Horizon:
    row = (await conn.execute(_HORIZON)).one()
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
