"""Stripe event ids already processed: each webhook event takes effect once.

Stripe delivers at least once, so the same event may arrive twice, even concurrently. The id is
recorded in the transaction that applies the event's effects: both commit, or neither does (a
failed sync leaves the event unrecorded, and Stripe's retry runs it again).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import stripe_events


async def already_processed(conn: AsyncConnection, event_id: str) -> bool:
    """A cheap early check, so a redelivered event costs no call to Stripe."""
    found = await conn.execute(sa.select(stripe_events.c.id).where(stripe_events.c.id == event_id))
    return found.first() is not None


async def record_event(
    conn: AsyncConnection, event_id: str, event_type: str, *, now: datetime
) -> bool:
    """Record the event; False when it was already recorded (then apply nothing).

    `ON CONFLICT DO NOTHING` instead of catching the unique violation: on PostgreSQL a failed
    INSERT would abort the whole transaction, and a concurrent duplicate waits for the first
    transaction and then inserts nothing - exactly-once effects without an error path.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = (
        dialect.insert(stripe_events)
        .values(id=event_id, type=event_type[:100], received_at=now)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    result = await conn.execute(insert)
    return result.rowcount == 1
