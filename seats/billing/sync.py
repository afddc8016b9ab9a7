"""Applying a fetched subscription to its organization, through the seat engine.

Webhook events are only triggers: the gateway re-fetches the subscription and hands the snapshot
here, so duplicated, late and out-of-order events all converge on Stripe's current state. The
rules (docs/billing.md "How a subscription reaches the seats"):

- Which org: the subscription's `seatgate_org_id`, else the org an owner-scoped purchase was
  attached to, else the org already linked to it. An owner-scoped purchase without an org is
  held (`owner.hold`). An org follows one subscription: another one replaces it only when it is
  live and the current one is not (a re-subscription after a cancellation).
- Raises apply at once (waiting members are promoted).
- Decreases take effect at the period end: a scheduled capacity change, which warns the admins
  at once (`downgrade_pending`) and demotes the newest members when it falls due. That covers a
  seat decrease made by seatgate (the paid seats are recorded on the item), one made in the
  Stripe dashboard, and `cancel_at_period_end` (down to the free capacity).
- A subscription that ended (canceled, unpaid, incomplete_expired) falls to the free capacity
  now: the customer stopped paying, there is no period left to honour.
- A first sync (the org just got its subscription, or it comes back to life after it ended or
  went unpaid) applies Stripe's capacity at once.
- While a seat push is queued (auto_expand), a sync never takes away seats the gateway already
  granted: the push will raise Stripe to match.
- A snapshot fetched before the one last applied is dropped (two webhooks racing).

Services take the connection first and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity
from seats.billing import owner
from seats.billing.capacity import (
    COUNTING_STATUSES,
    LegacyPrice,
    SubscriptionSnapshot,
    capacity_from_subscription,
)
from seats.capacity import BILLING_PUSH
from seats.storage import billing_store

Action = Literal["applied", "held", "ignored", "stale", "duplicate"]


@dataclass(frozen=True)
class BillingRules:
    """How subscriptions become seats: the operator's legacy price map and the free capacity."""

    legacy_prices: Mapping[str, LegacyPrice] = field(default_factory=dict)
    free_capacity: int | None = None

    def capacity(self, snapshot: SubscriptionSnapshot | None, now: datetime) -> int | None:
        return capacity_from_subscription(
            snapshot,
            legacy_prices=self.legacy_prices,
            free_capacity=self.free_capacity,
            now=now,
        )


@dataclass(frozen=True)
class CapacityPlan:
    """Capacity to hold now, and a cut to schedule (`later` at `at`), if any."""

    now: int | None
    later: int | None = None
    at: datetime | None = None
    stripe_now: int | None = None  # what the subscription grants at this moment


@dataclass(frozen=True)
class SyncOutcome:
    action: Action
    org_id: str | None = None
    capacity: int | None = None
    detail: str = ""


def plan_capacity(
    snapshot: SubscriptionSnapshot,
    rules: BillingRules,
    *,
    current: int | None,
    now: datetime,
    first_sync: bool,
    floor: int | None = None,
) -> CapacityPlan:
    """The pure rule: from the org's `current` capacity and a snapshot to what holds now and
    what is cut later. `floor` (seats granted but not yet pushed) is never taken away now."""
    stripe_now = rules.capacity(snapshot, now)
    held = stripe_now
    if floor is not None and held is not None and floor > held:
        held = floor
    if not snapshot.counts_items or first_sync:
        return CapacityPlan(held, stripe_now=stripe_now)
    end = snapshot.current_period_end
    times = {
        item.paid_until
        for item in snapshot.items
        if item.paid_until is not None and item.paid_until > now
    }
    if snapshot.cancel_at_period_end and end is not None and end > now:
        times.add(end)
    if _is_cut(current, held) and end is not None and end > now:
        # A decrease made in the dashboard (prorated or not): the seats stay until the period
        # the customer paid for ends.
        held = current
        times.add(end)
    for at in sorted(times):
        if snapshot.cancel_at_period_end and end is not None and at >= end:
            later = rules.free_capacity
        else:
            later = rules.capacity(snapshot, at)
        if _is_cut(held, later):
            return CapacityPlan(held, later, at, stripe_now=stripe_now)
    return CapacityPlan(held, stripe_now=stripe_now)


async def apply_fetched(
    conn: AsyncConnection,
    snapshot: SubscriptionSnapshot,
    rules: BillingRules,
    *,
    now: datetime,
    fetched_at: datetime,
    linked_live: bool | None = None,
) -> SyncOutcome:
    """Route a freshly fetched subscription to its org (or hold it for its owner) and apply it.
    `linked_live`: whether the org's current subscription, when it is another one, is live
    (fetched by the caller; else the status of the last sync is used)."""
    org_id = await resolve_org(conn, snapshot)
    if org_id is None:
        if snapshot.owner_email:
            await owner.hold(conn, snapshot)
            return SyncOutcome("held", detail="held for its owner until the org exists")
        return SyncOutcome("ignored", detail="the subscription names no seatgate organization")
    return await apply_to_org(
        conn, org_id, snapshot, rules, now=now, fetched_at=fetched_at, linked_live=linked_live
    )


async def resolve_org(conn: AsyncConnection, snapshot: SubscriptionSnapshot) -> str | None:
    if snapshot.org_id is not None and await billing_store.org_exists(conn, snapshot.org_id):
        return snapshot.org_id
    held = await billing_store.find_held_purchase(conn, snapshot.id)
    if held is not None and held.attached_org_id is not None:
        return held.attached_org_id
    return await billing_store.find_org_following(conn, snapshot.id)


async def apply_to_org(
    conn: AsyncConnection,
    org_id: str,
    snapshot: SubscriptionSnapshot,
    rules: BillingRules,
    *,
    now: datetime,
    fetched_at: datetime,
    respect_pending_pushes: bool = True,
    linked_live: bool | None = None,
) -> SyncOutcome:
    """Apply `snapshot` to the org under its seat lock (which first settles due changes)."""
    org = await capacity.lock_for_seats(conn, org_id, now=now)
    known = await billing_store.get_state(conn, org_id)
    if known is not None and known.fetched_at is not None and fetched_at < known.fetched_at:
        return SyncOutcome("stale", org_id, org.seat_limit, "a newer snapshot was applied")
    linked = org.stripe_subscription_id
    if linked is not None and linked != snapshot.id:
        current_live = linked_live
        if current_live is None:
            current_live = known is not None and known.subscription_status in COUNTING_STATUSES
        if not snapshot.counts_items or current_live:
            return SyncOutcome(
                "ignored", org_id, org.seat_limit, f"the org follows subscription {linked}"
            )
    # A fresh start - a new subscription, or one coming back to life - takes Stripe's word now.
    first_sync = (
        known is None
        or known.subscription_id != snapshot.id
        or known.subscription_status not in COUNTING_STATUSES
    )
    floor = None
    if respect_pending_pushes and await billing_store.has_pending_message(
        conn, org_id, BILLING_PUSH
    ):
        floor = org.seat_limit
    plan = plan_capacity(
        snapshot, rules, current=org.seat_limit, now=now, first_sync=first_sync, floor=floor
    )
    if linked != snapshot.id or org.stripe_customer_id != snapshot.customer_id:
        await billing_store.link_org(
            conn, org_id, subscription_id=snapshot.id, customer_id=snapshot.customer_id, now=now
        )
    if plan.now != org.seat_limit:
        await capacity.apply_capacity(conn, org_id, plan.now, actor="billing", now=now)
    await _schedule(conn, org_id, plan, now=now)
    await billing_store.save_sync(
        conn,
        org_id,
        subscription_id=snapshot.id,
        status=snapshot.status,
        stripe_capacity=plan.stripe_now,
        fetched_at=fetched_at,
        synced_at=now,
    )
    return SyncOutcome("applied", org_id, plan.now)


async def _schedule(
    conn: AsyncConnection, org_id: str, plan: CapacityPlan, *, now: datetime
) -> None:
    """Keep exactly the billing cut the plan calls for; admin-scheduled changes are left alone
    unless a billing cut supersedes them (one scheduled change per org)."""
    if plan.later is not None and plan.at is not None:
        await capacity.schedule_capacity_change(
            conn,
            org_id,
            plan.later,
            effective_at=plan.at,
            actor="billing",
            source="billing",
            now=now,
        )
        return
    for change in await capacity.list_scheduled(conn, org_id):
        if change.source == "billing":
            await capacity.cancel_scheduled_change(conn, org_id, change.id, actor="billing")


def _is_cut(current: int | None, new: int | None) -> bool:
    return new is not None and (current is None or new < current)
