"""SQL of the totals across every organization that operations read (the Prometheus scrape):
the seat counts summed over orgs, the outbox backlog, and how far billing lags behind. Each is
one statement, built once."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import SeatStatus
from seats.storage.invite_store import PENDING
from seats.storage.tables import UTCDateTime, billing_state, invites, members, orgs, outbox


@dataclass(frozen=True)
class SeatCounts:
    active: int  # non-exempt active members
    over_limit: int
    pending_invites: int  # unexpired
    capacity: int  # seat limits summed over the orgs that have one
    unlimited_orgs: int


def _counted_members(status: SeatStatus) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(members)
        .where(members.c.seat_status == status.value, members.c.exempt.is_(False))
        .scalar_subquery()
    )


_NOW = sa.bindparam("now", type_=UTCDateTime())
_SEAT_COUNTS = sa.select(
    _counted_members(SeatStatus.ACTIVE),
    _counted_members(SeatStatus.OVER_LIMIT),
    sa.select(sa.func.count())
    .select_from(invites)
    .where(invites.c.status == PENDING, invites.c.expires_at > _NOW)
    .scalar_subquery(),
    sa.select(sa.func.coalesce(sa.func.sum(orgs.c.seat_limit), 0)).scalar_subquery(),
    sa.select(sa.func.count())
    .select_from(orgs)
    .where(orgs.c.seat_limit.is_(None))
    .scalar_subquery(),
)
_OUTBOX_BACKLOG = sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(
    outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None)
)


_PENDING = (outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None))
_BILLING_PUSHES = sa.bindparam("channel")
_BILLING_SYNC = sa.select(
    sa.select(sa.func.count())
    .select_from(outbox)
    .where(outbox.c.channel == _BILLING_PUSHES, *_PENDING)
    .scalar_subquery(),
    sa.select(sa.func.min(outbox.c.created_at))
    .where(outbox.c.channel == _BILLING_PUSHES, *_PENDING)
    .scalar_subquery(),
    sa.select(sa.func.max(billing_state.c.synced_at)).scalar_subquery(),
)


@dataclass(frozen=True)
class BillingSyncRow:
    pending_pushes: int
    oldest_push_at: datetime | None
    last_sync_at: datetime | None


async def seat_counts(conn: AsyncConnection, *, now: datetime) -> SeatCounts:
    row = (await conn.execute(_SEAT_COUNTS, {"now": now})).one()
    return SeatCounts(
        active=row[0],
        over_limit=row[1],
        pending_invites=row[2],
        capacity=int(row[3]),
        unlimited_orgs=row[4],
    )


async def outbox_backlog(conn: AsyncConnection) -> tuple[int, datetime | None]:
    """(pending messages, when the oldest of them was enqueued)."""
    row = (await conn.execute(_OUTBOX_BACKLOG)).one()
    return row[0], row[1]


async def billing_sync(conn: AsyncConnection, *, push_channel: str) -> BillingSyncRow:
    """The pending pushes of `push_channel` (how many, the oldest's enqueue time) and the
    newest successful subscription sync of any org, in one statement."""
    row = (await conn.execute(_BILLING_SYNC, {"channel": push_channel})).one()
    return BillingSyncRow(pending_pushes=row[0], oldest_push_at=row[1], last_sync_at=row[2])
