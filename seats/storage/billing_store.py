"""All SQL of billing: processed Stripe event ids, owner-scoped purchases held for their org, the
`billing_state` sync bookkeeping, the org's Stripe links, and the queued seat pushes.

Callers (seats/billing/) pass and get domain values; every write happens in the caller's
transaction and is never committed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import billing_state, orgs, outbox, owner_subscriptions, stripe_events


@dataclass(frozen=True)
class HeldPurchase:
    """An owner-scoped subscription, held until its organization exists (then attached)."""

    subscription_id: str
    customer_id: str
    owner_email_key: str
    attached_org_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class BillingState:
    """What the last sync applied to an org, and the version seat pushes key their
    idempotency on."""

    org_id: str
    subscription_id: str | None
    subscription_status: str | None
    stripe_capacity: int | None
    fetched_at: datetime | None
    synced_at: datetime | None
    capacity_version: int


# -- Stripe event ids ---------------------------------------------------------------------------


async def already_processed(conn: AsyncConnection, event_id: str) -> bool:
    """The Stripe event was recorded: a cheap early check, so a redelivery costs no Stripe call."""
    found = await conn.execute(sa.select(stripe_events.c.id).where(stripe_events.c.id == event_id))
    return found.first() is not None


async def record_event(
    conn: AsyncConnection, event_id: str, event_type: str, *, now: datetime
) -> bool:
    """Record the event; False when it was already recorded.

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


# -- owner-scoped purchases -------------------------------------------------------------------


async def insert_held_purchase(conn: AsyncConnection, held: HeldPurchase) -> None:
    await conn.execute(owner_subscriptions.insert().values(held.__dict__))


async def find_held_purchase(conn: AsyncConnection, subscription_id: str) -> HeldPurchase | None:
    query = sa.select(owner_subscriptions).where(
        owner_subscriptions.c.subscription_id == subscription_id
    )
    row = (await conn.execute(query)).mappings().first()
    return HeldPurchase(**row) if row else None


async def claim_newest_held_purchase(
    conn: AsyncConnection, owner_email_key: str, org_id: str
) -> HeldPurchase | None:
    """Mark the owner's newest unattached purchase as attached to `org_id`; None if there is
    none, or another transaction claimed it first."""
    query = (
        sa.select(owner_subscriptions)
        .where(owner_subscriptions.c.owner_email_key == owner_email_key)
        .where(owner_subscriptions.c.attached_org_id.is_(None))
        .order_by(owner_subscriptions.c.created_at.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    claimed = await conn.execute(
        owner_subscriptions.update()
        .where(owner_subscriptions.c.subscription_id == row["subscription_id"])
        # Two orgs created at once for one email: only one wins the purchase.
        .where(owner_subscriptions.c.attached_org_id.is_(None))
        .values(attached_org_id=org_id)
    )
    if claimed.rowcount != 1:
        return None
    return HeldPurchase(**{**row, "attached_org_id": org_id})


# -- the org's Stripe links -------------------------------------------------------------------


async def link_org(
    conn: AsyncConnection, org_id: str, *, subscription_id: str, customer_id: str, now: datetime
) -> None:
    await conn.execute(
        orgs.update()
        .where(orgs.c.id == org_id)
        .values(
            stripe_subscription_id=subscription_id, stripe_customer_id=customer_id, updated_at=now
        )
    )


async def org_exists(conn: AsyncConnection, org_id: str) -> bool:
    found = await conn.execute(sa.select(orgs.c.id).where(orgs.c.id == org_id))
    return found.first() is not None


async def find_org_following(conn: AsyncConnection, subscription_id: str) -> str | None:
    """The org linked to `subscription_id`, if any."""
    linked = await conn.execute(
        sa.select(orgs.c.id).where(orgs.c.stripe_subscription_id == subscription_id).limit(1)
    )
    return linked.scalar()


async def list_org_ids_by_name(conn: AsyncConnection) -> list[str]:
    """Every org, in name order: a reconcile looks at unlinked orgs too (a subscription tagged
    with an org's id may exist on Stripe without seatgate knowing of it)."""
    query = sa.select(orgs.c.id).order_by(orgs.c.name, orgs.c.id)
    return list((await conn.execute(query)).scalars())


# -- billing_state ------------------------------------------------------------------------------


async def get_state(conn: AsyncConnection, org_id: str) -> BillingState | None:
    query = sa.select(billing_state).where(billing_state.c.org_id == org_id)
    row = (await conn.execute(query)).mappings().first()
    return BillingState(**row) if row else None


async def save_sync(
    conn: AsyncConnection,
    org_id: str,
    *,
    subscription_id: str,
    status: str,
    stripe_capacity: int | None,
    fetched_at: datetime,
    synced_at: datetime,
) -> None:
    values = {
        "subscription_id": subscription_id,
        "subscription_status": status,
        "stripe_capacity": stripe_capacity,
        "fetched_at": fetched_at,
        "synced_at": synced_at,
    }
    await _upsert_state(conn, org_id, values)


async def bump_version(conn: AsyncConnection, org_id: str) -> None:
    """A seat push succeeded: the next one gets a fresh idempotency key."""
    if await get_state(conn, org_id) is None:
        await _upsert_state(conn, org_id, {"capacity_version": 1})
        return
    await conn.execute(
        billing_state.update()
        .where(billing_state.c.org_id == org_id)
        .values(capacity_version=billing_state.c.capacity_version + 1)
    )


async def _upsert_state(conn: AsyncConnection, org_id: str, values: Mapping[str, Any]) -> None:
    # Callers hold the org lock, so the read-then-write cannot race another writer of this row.
    updated = await conn.execute(
        billing_state.update().where(billing_state.c.org_id == org_id).values(**values)
    )
    if updated.rowcount == 0:
        await conn.execute(billing_state.insert().values(org_id=org_id, **values))


# -- queued seat pushes (outbox rows of one channel) ------------------------------------------


async def has_pending_message(conn: AsyncConnection, org_id: str, channel: str) -> bool:
    """A message of `channel` for the org is queued or in flight (not delivered, not given up)."""
    query = sa.select(outbox.c.id).where(
        outbox.c.org_id == org_id,
        outbox.c.channel == channel,
        outbox.c.delivered_at.is_(None),
        outbox.c.failed_at.is_(None),
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def supersede_pending_messages(
    conn: AsyncConnection, org_id: str, channel: str, *, now: datetime, note: str
) -> int:
    """Mark the org's queued messages of `channel` delivered with `note` (the outbox keeps its
    history); a message a worker holds right now is left to its lease."""
    result = await conn.execute(
        outbox.update()
        .where(
            outbox.c.org_id == org_id,
            outbox.c.channel == channel,
            outbox.c.delivered_at.is_(None),
            outbox.c.failed_at.is_(None),
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
        )
        .values(delivered_at=now, last_error=note)
    )
    return int(result.rowcount or 0)


async def forget_processed_events(conn: AsyncConnection, *, before: datetime) -> int:
    """Drop the ids of Stripe events received before `before`; return how many went. Stripe
    redelivers an event for 3 days at most, and its signatures expire in minutes, so an id
    kept for the event log's retention window still catches every duplicate."""
    result = await conn.execute(stripe_events.delete().where(stripe_events.c.received_at < before))
    return result.rowcount
