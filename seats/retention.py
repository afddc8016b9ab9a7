"""What is kept only for a while: events of the feed (after the retention window a cursor
that points at them is refused, seats/feed.py) and the ids of processed Stripe webhooks. The
worker runs `prune` periodically; the seat ledger and alerts are kept for good."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import feed
from seats.storage import billing_store


@dataclass(frozen=True)
class Pruned:
    events: int
    stripe_events: int


async def prune(conn: AsyncConnection, *, retention: timedelta, now: datetime) -> Pruned:
    return Pruned(
        events=await feed.prune_expired(conn, retention=retention, now=now),
        stripe_events=await billing_store.forget_processed_events(conn, before=now - retention),
    )
