"""Billing operations that talk to Stripe and then write the database, in that order.

Stripe is always called outside a database transaction. Each operation fetches (and, for seat
changes, updates) the subscription first, then applies the result in one transaction through
`seats.billing.sync`. Order for a seat change: Stripe first, with a deterministic idempotency key
(`seatgate:{org}:seats:{n}:{capacity_version}`), then the commit, which bumps the version. If the
commit fails, the version is unchanged, so a retry sends the same key and Stripe replays instead
of applying twice; if Stripe fails, nothing was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.billing.wiring import Billing
from seats import alerts, capacity
from seats.billing import BillingRejected, SubscriptionSnapshot, events, owner, pushes, state, sync
from seats.billing.sync import SyncOutcome
from seats.capacity import CapacityChange
from seats.clock import utcnow
from seats.model import Org
from seats.orgs import get_org, validate_seat_number
from seats.storage.database import Database


@dataclass(frozen=True)
class SeatChange:
    org: Org
    push: pushes.SeatPush | None  # None: Stripe already granted that many seats
    scheduled: list[CapacityChange]


async def sync_subscription(
    database: Database,
    billing: Billing,
    subscription_id: str,
    *,
    event: tuple[str, str] | None = None,
) -> SyncOutcome:
    """Re-fetch a subscription and apply it; with `event` (id, type), record the event in the
    same transaction and apply nothing if it was already recorded."""
    fetched_at = utcnow()
    snapshot = await billing.port.fetch_subscription(subscription_id)
    linked_live = await _linked_subscription_live(database, billing, snapshot)
    async with database.transaction() as conn:
        if event is not None:
            if not await events.record_event(conn, event[0], event[1], now=utcnow()):
                return SyncOutcome("duplicate", detail="event already processed")
        return await sync.apply_fetched(
            conn,
            snapshot,
            billing.rules,
            now=billing.clock(),
            fetched_at=fetched_at,
            linked_live=linked_live,
        )


async def _linked_subscription_live(
    database: Database, billing: Billing, snapshot: SubscriptionSnapshot
) -> bool | None:
    """When a live subscription names an org that follows another one, whether that other one
    is still live - asked of Stripe, since its cancellation's webhook may be late or lost."""
    if not snapshot.counts_items:
        return None
    async with database.read() as conn:
        org_id = await sync.resolve_org(conn, snapshot)
        org = await get_org(conn, org_id) if org_id else None
    if org is None or org.stripe_subscription_id in (None, snapshot.id):
        return None
    try:
        current = await billing.port.fetch_subscription(org.stripe_subscription_id)
    except BillingRejected:
        return False  # gone from Stripe
    return current.counts_items


async def change_seats(database: Database, billing: Billing, org_id: str, seats: int) -> SeatChange:
    """An admin sets the seat count: Stripe first (more seats now and prorated, fewer at the
    period end), then the org, in one transaction. Queued auto_expand pushes are superseded."""
    validate_seat_number("seats", seats, allow_null=False)
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        subscription_id = state.require_subscription(org)
        known = await state.get_state(conn, org_id)
    version = known.capacity_version if known else 0
    fetched_at = utcnow()
    snapshot = await billing.port.fetch_subscription(subscription_id)
    push = pushes.plan_seat_push(
        snapshot,
        seats,
        legacy_prices=billing.rules.legacy_prices,
        free_capacity=billing.rules.free_capacity,
        now=billing.clock(),
    )
    if push is not None:
        await billing.port.set_seat_quantity(
            subscription_id,
            push.item_id,
            push.quantity,
            idempotency_key=pushes.idempotency_key(org_id, seats, version),
            effective=push.effective,
        )
        fetched_at = utcnow()
        snapshot = await billing.port.fetch_subscription(subscription_id)
    async with database.transaction() as conn:
        await pushes.supersede_pending_pushes(conn, org_id, now=utcnow())
        await sync.apply_to_org(
            conn,
            org_id,
            snapshot,
            billing.rules,
            now=billing.clock(),
            fetched_at=fetched_at,
            respect_pending_pushes=False,
        )
        if push is not None:
            await state.bump_version(conn, org_id)
        await alerts.billing_sync_recovered(conn, org_id)
        org = await get_org(conn, org_id)
        scheduled = await capacity.list_scheduled(conn, org_id)
    return SeatChange(org, push, scheduled)


async def push_granted_seats(database: Database, billing: Billing, org_id: str) -> str:
    """The `billing_push` job: raise the subscription to the seats the gateway granted (under
    auto_expand), then sync. It reads the org's seat limit now, not the message's number, so a
    late retry never pushes a stale count; it only ever grows Stripe - cuts are the admin's."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await state.get_state(conn, org_id)
    if org.stripe_subscription_id is None:
        return "skipped: the organization has no Stripe subscription"
    version = known.capacity_version if known else 0
    fetched_at = utcnow()
    snapshot = await billing.port.fetch_subscription(org.stripe_subscription_id)
    granted = org.seat_limit
    stripe_now = billing.rules.capacity(snapshot, billing.clock())
    push = None
    if granted is not None and stripe_now is not None and granted > stripe_now:
        push = pushes.plan_seat_push(
            snapshot,
            granted,
            legacy_prices=billing.rules.legacy_prices,
            free_capacity=billing.rules.free_capacity,
            now=billing.clock(),
        )
    if push is not None:
        await billing.port.set_seat_quantity(
            snapshot.id,
            push.item_id,
            push.quantity,
            idempotency_key=pushes.idempotency_key(org_id, granted or 0, version),
            effective="now",
        )
        fetched_at = utcnow()
        snapshot = await billing.port.fetch_subscription(snapshot.id)
    async with database.transaction() as conn:
        await sync.apply_to_org(
            conn, org_id, snapshot, billing.rules, now=billing.clock(), fetched_at=fetched_at
        )
        if push is not None:
            await state.bump_version(conn, org_id)
        await alerts.billing_sync_recovered(conn, org_id)
    if push is None:
        return f"nothing to push: Stripe grants {stripe_now} seats, the gateway {granted}"
    return f"pushed {granted} seats to {snapshot.id} (was {stripe_now})"


async def attach_purchase(
    database: Database, billing: Billing, org_id: str, subscription_id: str
) -> SyncOutcome:
    """Tag a claimed owner-scoped purchase (and its customer) with the org, then sync it.
    Only metadata changes on Stripe: the items and their quantities stay as bought."""
    await billing.port.attach_to_org(
        subscription_id, org_id, idempotency_key=f"seatgate:{org_id}:attach:{subscription_id}"
    )
    outcome = await sync_subscription(database, billing, subscription_id)
    async with database.transaction() as conn:
        await alerts.billing_sync_recovered(conn, org_id)
    return outcome


async def claim_purchase(
    database: Database, org_id: str, owner_email: str
) -> owner.HeldPurchase | None:
    """Attach the owner's held purchase to an existing org in the database (with the outbox
    message that guarantees the Stripe side); `attach_purchase` then does the Stripe side."""
    async with database.transaction() as conn:
        await capacity.lock_for_seats(conn, org_id)
        return await owner.claim(conn, org_id, owner_email)
