"""Billing's part in the org routes (gateway/admin/orgs.py): the `owner_email` of a new org
claims the owner's held purchase, and a Stripe-managed org's seat_limit is refused with a
pointer to the billing route. Each hook parses or forwards to one `seats.billing.purchases`
use case.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.keys import DATABASE
from gateway.stripe.settings import BILLING
from seats.billing import purchases
from seats.billing.owner import HeldPurchase
from seats.model import Org


async def claim_for_new_org(
    conn: AsyncConnection, org_id: str, owner_email: str | None
) -> HeldPurchase | None:
    """In the org's creating transaction: link the owner's held purchase, if there is one."""
    return await purchases.claim_for_new_org(conn, org_id, owner_email)


async def attach_claimed(request: web.Request, org: Org, held: HeldPurchase | None) -> Org:
    """After the commit: tag the purchase on Stripe and take its capacity now, so the answer
    shows it. Stripe being down does not fail the creation: the outbox finishes the job."""
    return await purchases.attach_claimed(
        request.config_dict[DATABASE], request.config_dict.get(BILLING), org, held
    )


async def refuse_if_billing_managed(request: web.Request, org_id: str) -> None:
    """With Stripe configured, a linked org's capacity comes from its subscription only."""
    if request.config_dict.get(BILLING) is None:
        return
    await purchases.refuse_admin_capacity(request.config_dict[DATABASE], org_id)
