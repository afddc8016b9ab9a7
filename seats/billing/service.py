"""The billing use cases that follow a subscription: a webhook's re-fetch and sync, an admin's
seat change, and the `billing_push` job. Each is one async function taking the Database and the
`Billing` bundle (the port, the rules, the clock); the port is all they know of Stripe.

Stripe is always called outside a database transaction. Each use case fetches (and, for seat
changes, updates) the subscription first, then applies the result in one transaction through
`seats.billing.sync`. Order for a seat change: Stripe first, with a deterministic idempotency key
(`seatgate:{org}:seats:{n}:{capacity_version}`), then the commit, which bumps the version. If the
commit fails, the version is unchanged, so a retry sends the same key and Stripe replays instead
of applying twice; if Stripe fails, nothing was written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seats import alerts, audit, capacity
from seats.billing import pushes, state, sync
from seats.billing.capacity import SubscriptionSnapshot
from seats.billing.port import BillingPort, BillingRejected
from seats.billing.sync import BillingRules, SyncOutcome
from seats.capacity import BILLING_PUSH, CapacityChange
from seats.clock import utcnow
from seats.errors import NotFound
from seats.model import Org
from seats.orgs import get_org, validate_seat_number
from seats.storage import billing_store
from seats.storage.database import Database

log = logging.getLogger("seatgate.billing")


@dataclass(frozen=True)
class Billing:
    """What the billing use cases need at run time: the port, the capacity rules, the clock."""

    port: BillingPort
    rules: BillingRules
    # Judges "paid until" and period ends; tests follow the Stripe fake's clock with it.
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class SeatChange:
    org: Org
    push: pushes.SeatPush | None  # None: Stripe already granted that many seats
    scheduled: list[CapacityChange]


async def process_webhook_event(
    database: Database,
    billing: Billing,
    *,
    event_id: str,
    event_type: str,
    subscription_id: str | None,
) -> SyncOutcome:
    """A verified Stripe event: a trigger to re-fetch the subscription it concerns and apply
    it, once. Events that concern no subscription (or one gone from Stripe) are recorded and
    apply nothing. BillingUnavailable leaves the event unrecorded, so Stripe delivers it again.
    """
    async with database.read() as conn:
        if await billing_store.already_processed(conn, event_id):
            return SyncOutcome("duplicate", detail="event already processed")
    if subscription_id is not None:
        try:
            return await sync_subscription(
                database, billing, subscription_id, event=(event_id, event_type)
            )
        except BillingRejected as exc:
            # The subscription is gone (or never was ours to read): nothing to apply, ever.
            log.warning("event %s: subscription %s: %s", event_id, subscription_id, exc)
    async with database.transaction() as conn:
        fresh = await billing_store.record_event(conn, event_id, event_type, now=utcnow())
    return SyncOutcome("ignored" if fresh else "duplicate")


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
            if not await billing_store.record_event(conn, event[0], event[1], now=utcnow()):
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


async def change_seats(
    database: Database,
    billing: Billing,
    org_id: str,
    seats: int,
    *,
    actor: str | None = None,
    audit_detail: Mapping[str, Any] | None = None,
) -> SeatChange:
    """An admin sets the seat count: Stripe first (more seats now and prorated, fewer at the
    period end), then the org, in one transaction. Queued auto_expand pushes are superseded.
    With an `actor`, the change lands in the audit trail (`seats.quantity_changed`) in that
    transaction, with `audit_detail` added to what it records."""
    validate_seat_number("seats", seats, allow_null=False)
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        subscription_id = state.require_subscription(org)
        known = await billing_store.get_state(conn, org_id)
    version = known.capacity_version if known else 0
    seats_before = org.seat_limit
    fetched_at = utcnow()
    snapshot = await billing.port.fetch_subscription(subscription_id)
    push = _plan_push(billing, snapshot, seats)
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
        await billing_store.supersede_pending_messages(
            conn, org_id, BILLING_PUSH, now=utcnow(), note="superseded by an admin seat change"
        )
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
            await billing_store.bump_version(conn, org_id)
        await alerts.billing_sync_recovered(conn, org_id)
        if actor is not None:
            await audit.record(
                conn,
                org_id,
                actor=actor,
                action="seats.quantity_changed",
                target=subscription_id,
                detail={
                    "seats": seats,
                    "seats_before": seats_before,
                    "effective": push.effective if push else "now",
                    "item_quantity": push.quantity if push else None,
                    **(audit_detail or {}),
                },
            )
        org = await get_org(conn, org_id)
        scheduled = await capacity.list_scheduled(conn, org_id)
    return SeatChange(org, push, scheduled)


async def push_granted_seats(database: Database, billing: Billing, org_id: str) -> str:
    """The `billing_push` job: raise the subscription to the seats the gateway granted (under
    auto_expand), then sync. It reads the org's seat limit now, not the message's number, so a
    late retry never pushes a stale count; it only ever grows Stripe - cuts are the admin's."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await billing_store.get_state(conn, org_id)
    if org.stripe_subscription_id is None:
        return "skipped: the organization has no Stripe subscription"
    version = known.capacity_version if known else 0
    fetched_at = utcnow()
    snapshot = await billing.port.fetch_subscription(org.stripe_subscription_id)
    granted = org.seat_limit
    stripe_now = billing.rules.capacity(snapshot, billing.clock())
    push = None
    if granted is not None and stripe_now is not None and granted > stripe_now:
        push = _plan_push(billing, snapshot, granted)
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
            await billing_store.bump_version(conn, org_id)
        await alerts.billing_sync_recovered(conn, org_id)
    if push is None:
        return f"nothing to push: Stripe grants {stripe_now} seats, the gateway {granted}"
    return f"pushed {granted} seats to {snapshot.id} (was {stripe_now})"


async def report_sync_failure(
    database: Database, org_id: str, *, error: str, context: Mapping[str, Any]
) -> None:
    """A push or attach failed: open (or count on) the org's `billing_sync_failed` alert."""
    try:
        async with database.transaction() as conn:
            await alerts.billing_sync_failed(conn, org_id, error=error, context=context)
    except NotFound:
        pass  # the org is gone: nobody to tell


def _plan_push(
    billing: Billing, snapshot: SubscriptionSnapshot, seats: int
) -> pushes.SeatPush | None:
    return pushes.plan_seat_push(
        snapshot,
        seats,
        legacy_prices=billing.rules.legacy_prices,
        free_capacity=billing.rules.free_capacity,
        now=billing.clock(),
    )
