"""SQL of the seat ledger: append entries, read an org's entries in id order, and count its
status transitions per day (the overview's usage chart). The table is append-only: nothing here
updates or deletes.

Entries are appended with the events they derive from, in a transaction's last write
(seats/storage/event_store.py): on SQLite by sqlite3 directly (`DirectInsert`), on PostgreSQL
as part of the event log's one statement (`postgresql_insert`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import SeatStatus
from seats.storage.direct_statements import DirectInsert, execute_sql_on_postgresql
from seats.storage.tables import UTCDateTime, members, seat_ledger

_COLUMNS = ("org_id", "member_id", "invite_id", "from_status", "to_status", "reason", "actor")
_SQLITE_INSERT = DirectInsert(seat_ledger, (*_COLUMNS, "at"))
_AT = UTCDateTime()  # the `at` column's type, applied by hand to the driver-level statement


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    org_id: str
    member_id: str | None
    invite_id: str | None
    from_status: SeatStatus | None
    to_status: SeatStatus | None
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class NewEntry:
    org_id: str
    from_status: SeatStatus | None
    to_status: SeatStatus | None
    reason: str
    actor: str
    member_id: str | None = None
    invite_id: str | None = None


def postgresql_insert(first: int) -> str:
    """PostgreSQL's INSERT of entries given as one array per column and then their time: the
    statement's parameters `$first`, `$first + 1`, ... as `postgresql_parameters` orders them."""
    arrays = ", ".join(f"${first + n}::text[]" for n in range(len(_COLUMNS)))
    names = ", ".join(_COLUMNS)
    return (
        f"INSERT INTO seat_ledger ({names}, at) SELECT {names}, ${first + len(_COLUMNS)}"
        f" FROM unnest({arrays}) WITH ORDINALITY AS entry({names}, n)"
        # Ids in the entries' order: the ledger is read in id order.
        " ORDER BY entry.n"
    )


_POSTGRESQL_INSERT = postgresql_insert(1)


def postgresql_parameters(
    conn: AsyncConnection, entries: Sequence[NewEntry], *, at: datetime
) -> tuple[Any, ...]:
    columns = zip(*(_values(entry) for entry in entries), strict=True)
    return (*(list(column) for column in columns), _AT.process_bind_param(at, conn.dialect))


async def append(conn: AsyncConnection, entries: Sequence[NewEntry], *, at: datetime) -> None:
    """Write entries, in order, all at `at`."""
    if not entries:
        return
    if conn.dialect.name == "sqlite":
        append_on_sqlite(conn, entries, at=at)
    else:
        await execute_sql_on_postgresql(
            conn, _POSTGRESQL_INSERT, postgresql_parameters(conn, entries, at=at)
        )


def append_on_sqlite(conn: AsyncConnection, entries: Sequence[NewEntry], *, at: datetime) -> None:
    """`append` on SQLite, where it needs no await (sqlite3 runs on the event loop)."""
    _SQLITE_INSERT.run(conn, [(*_values(entry), at) for entry in entries])


async def list_entries(
    conn: AsyncConnection, org_id: str, *, limit: int, after: int | None, member_id: str | None
) -> list[LedgerEntry]:
    """Entries oldest first, after the id `after`, optionally of one member only."""
    query = sa.select(seat_ledger).where(seat_ledger.c.org_id == org_id)
    if after is not None:
        query = query.where(seat_ledger.c.id > after)
    if member_id is not None:
        query = query.where(seat_ledger.c.member_id == member_id)
    rows = (await conn.execute(query.order_by(seat_ledger.c.id).limit(limit))).mappings().all()
    return [_to_entry(row) for row in rows]


@dataclass(frozen=True)
class DayTransitions:
    """How many ledger entries of one day (UTC) moved a seat holder from `from_status` to
    `to_status` for `reason`. `exempt` is the member's exemption as stored now (False for an
    invite, and for a member since deleted, whose row is gone)."""

    day: date
    from_status: SeatStatus | None
    to_status: SeatStatus | None
    reason: str
    exempt: bool
    count: int


async def transitions_by_day(
    conn: AsyncConnection, org_id: str, *, since: datetime
) -> list[DayTransitions]:
    """An org's ledger entries from `since` on, counted per UTC day and transition."""
    day = _utc_day(conn.dialect.name)
    exempt = sa.func.coalesce(members.c.exempt, sa.false())
    columns = (
        day,
        seat_ledger.c.from_status,
        seat_ledger.c.to_status,
        seat_ledger.c.reason,
        exempt,
    )
    query = (
        sa.select(*columns, sa.func.count())
        .select_from(seat_ledger.outerjoin(members, members.c.id == seat_ledger.c.member_id))
        .where(seat_ledger.c.org_id == org_id, seat_ledger.c.at >= since)
        .group_by(*columns)
    )
    return [
        DayTransitions(
            day=value if isinstance(value, date) else date.fromisoformat(value),
            from_status=SeatStatus(from_status) if from_status else None,
            to_status=SeatStatus(to_status) if to_status else None,
            reason=reason,
            exempt=bool(is_exempt),
            count=count,
        )
        for value, from_status, to_status, reason, is_exempt, count in await conn.execute(query)
    ]


def _utc_day(dialect: str) -> sa.ColumnElement[Any]:
    if dialect == "sqlite":
        # SQLite holds the UTC time as text ("2026-12-04 10:15:00.000000").
        return sa.func.date(seat_ledger.c.at)
    # A literal, not a bound parameter: GROUP BY must repeat the SELECT's expression exactly.
    return sa.func.date(sa.func.timezone(sa.literal_column("'UTC'"), seat_ledger.c.at))


def _to_entry(row: Mapping[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        org_id=row["org_id"],
        member_id=row["member_id"],
        invite_id=row["invite_id"],
        from_status=SeatStatus(row["from_status"]) if row["from_status"] else None,
        to_status=SeatStatus(row["to_status"]) if row["to_status"] else None,
        reason=row["reason"],
        actor=row["actor"],
        at=row["at"],
    )


def _values(entry: NewEntry) -> tuple[str | None, ...]:
    return (
        entry.org_id,
        entry.member_id,
        entry.invite_id,
        entry.from_status.value if entry.from_status else None,
        entry.to_status.value if entry.to_status else None,
        entry.reason,
        entry.actor,
    )
