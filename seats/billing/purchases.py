"""The billing use cases of buying: hosted checkouts for an org or for the owner of an org not
created yet, attaching an owner's held purchase to its org, the guard on admin capacity changes,
and the billing overview of an org. Plain async functions over the Database and `Billing`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, capacity
from seats.alerts import AlertKind
from seats.billing import owner, state
from seats.billing.capacity import SubscriptionSnapshot
from seats.billing.owner import HeldPurchase
from seats.billing.port import BillingError, CheckoutLine, CheckoutSession
from seats.billing.service import Billing, sync_subscription
from seats.billing.sync import SyncOutcome
from seats.capacity import CapacityChange
from seats.errors import Conflict, NotFound
from seats.model import Org
from seats.orgs import get_org
from seats.storage import billing_store
from seats.storage.billing_store import BillingState
from seats.storage.database import Database

log = logging.getLogger("seatgate.billing")

# Prices are found by lookup key: set these on the recurring per-seat prices in Stripe.
PRICE_LOOKUP_KEYS = {
    "month": "seatgate_seat_monthly",
    "six_months": "seatgate_seat_six_months",
    "year": "seatgate_seat_yearly",
}


class PriceNotConfigured(Conflict):
    code = "price_not_configured"


@dataclass(frozen=True)
class Checkout:
    """What a buyer asked for: seats at an interval, and where Stripe sends them back.
    `client_key` is the caller's Idempotency-Key: the same key gets the same session back."""

    seats: int
    interval: str
    success_url: str
    cancel_url: str
    client_key: str | None = None


@dataclass(frozen=True)
class Attached:
    org: Org
    synced: bool  # False: Stripe was not reached; the outbox finishes the attachment


@dataclass(frozen=True)
class BillingOverview:
    org: Org
    known: BillingState | None
    scheduled: list[CapacityChange]
    sync_failure: dict[str, Any] | None
    subscription: SubscriptionSnapshot | None
    stripe_capacity: int | None
    stripe_error: BillingError | None  # the gateway's side is still worth showing


async def start_org_checkout(
    database: Database, billing: Billing, org_id: str, checkout: Checkout
) -> CheckoutSession:
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await billing_store.get_state(conn, org_id)
    if state.is_paying(org, known):
        raise state.AlreadySubscribed(
            f"organization {org_id} already pays through subscription "
            f"{org.stripe_subscription_id}; change its seats with "
            f"PUT /admin/v1/orgs/{org_id}/billing/seats"
        )
    return await billing.port.create_checkout_session(
        lines=[CheckoutLine(await _price_id(billing, checkout.interval), checkout.seats)],
        success_url=checkout.success_url,
        cancel_url=checkout.cancel_url,
        idempotency_key=_checkout_key(f"org:{org_id}", checkout.client_key),
        org_id=org_id,
        customer_id=org.stripe_customer_id,
    )


async def start_owner_checkout(
    billing: Billing, owner_email: str, checkout: Checkout
) -> CheckoutSession:
    """A purchase before the org exists: held for `owner_email` until the org is created with
    that `owner_email` or the purchase is attached to an existing org."""
    return await billing.port.create_checkout_session(
        lines=[CheckoutLine(await _price_id(billing, checkout.interval), checkout.seats)],
        success_url=checkout.success_url,
        cancel_url=checkout.cancel_url,
        idempotency_key=_checkout_key(f"owner:{owner.email_key(owner_email)}", checkout.client_key),
        owner_email=owner_email,
    )


async def attach_held_purchase(
    database: Database, billing: Billing, org_id: str, owner_email: str
) -> Attached:
    """Attach the owner's held purchase to an existing org: in the database first (with the
    outbox message that guarantees the Stripe side), then on Stripe if it can be reached."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await billing_store.get_state(conn, org_id)
    if state.is_paying(org, known):
        raise state.AlreadySubscribed(
            f"organization {org_id} already pays through subscription {org.stripe_subscription_id}"
        )
    async with database.transaction() as conn:
        await capacity.lock_for_seats(conn, org_id)
        held = await owner.claim(conn, org_id, owner_email)
    if held is None:
        raise NotFound(f"no purchase is held for {owner_email}")
    synced = await _attach_or_leave_to_outbox(database, billing, org_id, held)
    async with database.read() as conn:
        return Attached(await get_org(conn, org_id), synced)


async def claim_for_new_org(
    conn: AsyncConnection, org_id: str, owner_email: str | None
) -> HeldPurchase | None:
    """In the org's creating transaction: link the owner's held purchase, if there is one."""
    if owner_email is None:
        return None
    return await owner.claim(conn, org_id, owner_email)


async def attach_claimed(
    database: Database, billing: Billing | None, org: Org, held: HeldPurchase | None
) -> Org:
    """After the org's creation committed: tag the claimed purchase on Stripe and take its
    capacity now. Stripe being down does not fail the creation: the outbox finishes the job."""
    if held is None:
        return org
    if billing is not None:
        await _attach_or_leave_to_outbox(database, billing, org.id, held)
    async with database.read() as conn:
        return await get_org(conn, org.id)


async def attach_purchase(
    database: Database, billing: Billing, org_id: str, subscription_id: str
) -> SyncOutcome:
    """The `billing_attach` job: tag a claimed purchase (and its customer) with the org, then
    sync it. Only metadata changes on Stripe: the items and their quantities stay as bought."""
    await billing.port.attach_to_org(
        subscription_id, org_id, idempotency_key=f"seatgate:{org_id}:attach:{subscription_id}"
    )
    outcome = await sync_subscription(database, billing, subscription_id)
    async with database.transaction() as conn:
        await alerts.billing_sync_recovered(conn, org_id)
    return outcome


async def refuse_admin_capacity(database: Database, org_id: str) -> None:
    """With billing on, a linked org's capacity comes from its subscription only."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
    if state.is_billing_managed(org):
        raise state.ManagedByBilling(
            f"the seats of organization {org_id} come from its Stripe subscription "
            f"{org.stripe_subscription_id}; change them with "
            f"PUT /admin/v1/orgs/{org_id}/billing/seats",
            billing_route=f"/admin/v1/orgs/{org_id}/billing/seats",
        )


async def billing_overview(database: Database, billing: Billing, org_id: str) -> BillingOverview:
    """The org's billing as seatgate knows it, and its subscription as Stripe has it now."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await billing_store.get_state(conn, org_id)
        scheduled = await capacity.list_scheduled(conn, org_id)
        failing = await alerts.find_open(conn, org_id, AlertKind.BILLING_SYNC_FAILED)
    snapshot, stripe_capacity, error = None, None, None
    if org.stripe_subscription_id:
        try:
            snapshot = await billing.port.fetch_subscription(org.stripe_subscription_id)
        except BillingError as exc:
            error = exc
        else:
            stripe_capacity = billing.rules.capacity(snapshot, billing.clock())
    return BillingOverview(
        org=org,
        known=known,
        scheduled=scheduled,
        sync_failure=failing.details if failing else None,
        subscription=snapshot,
        stripe_capacity=stripe_capacity,
        stripe_error=error,
    )


async def _attach_or_leave_to_outbox(
    database: Database, billing: Billing, org_id: str, held: HeldPurchase
) -> bool:
    try:
        await attach_purchase(database, billing, org_id, held.subscription_id)
    except BillingError as exc:
        log.warning(
            "attaching %s to org %s waits for the outbox: %s", held.subscription_id, org_id, exc
        )
        return False
    return True


async def _price_id(billing: Billing, interval: str) -> str:
    lookup_key = PRICE_LOOKUP_KEYS[interval]
    found = await billing.port.find_price_ids([lookup_key])
    if lookup_key not in found:
        raise PriceNotConfigured(
            f"no active Stripe price has the lookup key {lookup_key}; create a recurring "
            "per-seat price with that lookup key (metadata seatgate_seat_role=per_seat)"
        )
    return found[lookup_key]


def _checkout_key(scope: str, client_key: str | None) -> str:
    # A client retrying with the same Idempotency-Key gets the same session back; without one,
    # each request is a new session (an abandoned one simply expires on Stripe).
    return f"seatgate:{scope}:checkout:{client_key or uuid.uuid4()}"
