"""Billing hooks in the org routes (gateway/admin/orgs.py): the `owner_email` of a new org
claims the owner's held purchase, and a Stripe-managed org's seat_limit is refused with a
pointer to the billing route."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.billing import service
from gateway.billing.wiring import BILLING, Billing
from gateway.keys import DATABASE
from seats.billing import BillingError, state
from seats.billing import owner as owner_purchases
from seats.model import Org
from seats.orgs import get_org
from seats.storage.database import Database

log = logging.getLogger("seatgate.billing")


def pop_owner_email(body: dict[str, Any]) -> str | None:
    """Take `owner_email` out of a create-org body (it is not an org setting), validated."""
    if "owner_email" not in body:
        return None
    return owner_purchases.validate_owner_email(body.pop("owner_email"))


async def claim_for_new_org(
    conn: AsyncConnection, org_id: str, owner_email: str | None
) -> owner_purchases.HeldPurchase | None:
    """In the org's creating transaction: link the owner's held purchase, if there is one."""
    if owner_email is None:
        return None
    return await owner_purchases.claim(conn, org_id, owner_email)


async def attach_claimed(
    request: web.Request, org: Org, held: owner_purchases.HeldPurchase | None
) -> Org:
    """After the commit: tag the purchase on Stripe and take its capacity now, so the answer
    shows it. Stripe being down does not fail the creation: the outbox finishes the job."""
    if held is None:
        return org
    database = request.config_dict[DATABASE]
    billing = request.config_dict.get(BILLING)
    if billing is not None:
        await attach_now(database, billing, org.id, held)
    async with database.read() as conn:
        return await get_org(conn, org.id)


async def refuse_if_billing_managed(request: web.Request, org_id: str) -> None:
    """With Stripe configured, a linked org's capacity comes from its subscription only."""
    if request.config_dict.get(BILLING) is None:
        return
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
    if state.is_billing_managed(org):
        raise state.ManagedByBilling(
            f"the seats of organization {org_id} come from its Stripe subscription "
            f"{org.stripe_subscription_id}; change them with "
            f"PUT /admin/v1/orgs/{org_id}/billing/seats",
            billing_route=f"/admin/v1/orgs/{org_id}/billing/seats",
        )


async def attach_now(
    database: Database, billing: Billing, org_id: str, held: owner_purchases.HeldPurchase
) -> bool:
    try:
        await service.attach_purchase(database, billing, org_id, held.subscription_id)
    except BillingError as exc:
        log.warning(
            "attaching %s to org %s waits for the outbox: %s", held.subscription_id, org_id, exc
        )
        return False
    return True
