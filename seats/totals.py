"""Totals across every organization, for operations (the gateway's /metrics): seats used, the
capacity and the members over the limit summed over orgs, the outbox backlog, and the billing
sync lag. Read-only; each total is one aggregate statement (seats/storage/totals_store.py),
never a loop over orgs."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.event_log import BILLING_PUSH
from seats.storage import totals_store


@dataclass(frozen=True)
class SeatTotals:
    """The per-org seat summaries (seats/summary.py) summed over every organization."""

    used: int  # counted seats: non-exempt active members plus unexpired pending invites
    capacity: int  # summed over the orgs that have a seat limit
    over_limit: int
    unlimited_orgs: int  # orgs without a seat limit (their seats count in `used` only)


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int  # neither delivered nor given up
    oldest_age_seconds: float  # 0 when nothing is pending


@dataclass(frozen=True)
class BillingSync:
    """How far Stripe lags behind the gateway, across orgs."""

    pending_pushes: int  # seat pushes to Stripe neither delivered nor given up
    oldest_push_age_seconds: float  # 0 when none is pending
    # Since the newest successful subscription sync of any org; None before the first one.
    last_sync_age_seconds: float | None


async def seat_totals(conn: AsyncConnection, *, now: datetime | None = None) -> SeatTotals:
    counts = await totals_store.seat_counts(conn, now=now or utcnow())
    return SeatTotals(
        used=counts.active + counts.pending_invites,
        capacity=counts.capacity,
        over_limit=counts.over_limit,
        unlimited_orgs=counts.unlimited_orgs,
    )


async def outbox_backlog(conn: AsyncConnection, *, now: datetime | None = None) -> OutboxBacklog:
    pending, oldest = await totals_store.outbox_backlog(conn)
    age = 0.0 if oldest is None else max(((now or utcnow()) - oldest).total_seconds(), 0.0)
    return OutboxBacklog(pending=pending, oldest_age_seconds=age)


async def billing_sync(conn: AsyncConnection, *, now: datetime | None = None) -> BillingSync:
    row = await totals_store.billing_sync(conn, push_channel=BILLING_PUSH)
    now = now or utcnow()
    return BillingSync(
        pending_pushes=row.pending_pushes,
        oldest_push_age_seconds=_age(row.oldest_push_at, now) or 0.0,
        last_sync_age_seconds=_age(row.last_sync_at, now),
    )


def _age(then: datetime | None, now: datetime) -> float | None:
    return None if then is None else max((now - then).total_seconds(), 0.0)
