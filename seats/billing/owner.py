"""Owner-scoped purchases: a subscription bought before its organization exists.

The checkout tags it `seatgate_owner_email`; its webhooks hold it (by folded email) until the
owner creates the organization (`POST /admin/v1/orgs` with `owner_email`) or attaches it to an
existing one. Claiming links the org to the subscription in the org's creating transaction and
queues a `billing_attach` outbox message: after commit, the gateway tags the Stripe customer and
subscription with `seatgate_org_id` and syncs the capacity. The subscription itself - its items
and quantities - is never touched, so no seat is lost in the move.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import outbox
from seats.billing.capacity import SubscriptionSnapshot
from seats.clock import utcnow
from seats.errors import InvalidValue
from seats.identifiers import fold
from seats.storage import billing_store
from seats.storage.billing_store import HeldPurchase

__all__ = ["BILLING_ATTACH", "HeldPurchase", "claim", "email_key", "hold"]

BILLING_ATTACH = "billing_attach"


def email_key(email: str) -> str:
    """Emails compare by seats.identifiers.fold (the local part too: buyers retype their
    address)."""
    return fold(email.strip())


def validate_owner_email(value: object) -> str:
    if not isinstance(value, str) or "@" not in value or len(value) > 320 or value != value.strip():
        raise InvalidValue("owner_email must be an email address, e.g. founder@example.com")
    return value


async def hold(conn: AsyncConnection, snapshot: SubscriptionSnapshot) -> HeldPurchase:
    """Remember an owner-scoped subscription until its organization exists (idempotent)."""
    assert snapshot.owner_email is not None
    existing = await billing_store.find_held_purchase(conn, snapshot.id)
    if existing is not None:
        return existing
    held = HeldPurchase(
        subscription_id=snapshot.id,
        customer_id=snapshot.customer_id,
        owner_email_key=email_key(snapshot.owner_email),
        attached_org_id=None,
        created_at=utcnow(),
    )
    await billing_store.insert_held_purchase(conn, held)
    return held


async def claim(conn: AsyncConnection, org_id: str, owner_email: str) -> HeldPurchase | None:
    """Attach the owner's newest held purchase to `org_id` (the caller's transaction creates or
    locks the org). Returns None when nothing is held for that email.

    The org is linked at once, so webhooks arriving before the Stripe metadata is written
    already find their org; the Stripe side follows from the outbox.
    """
    held = await billing_store.claim_newest_held_purchase(conn, email_key(owner_email), org_id)
    if held is None:
        return None
    await billing_store.link_org(
        conn,
        org_id,
        subscription_id=held.subscription_id,
        customer_id=held.customer_id,
        now=utcnow(),
    )
    await outbox.enqueue(
        conn,
        BILLING_ATTACH,
        {"org_id": org_id, "subscription_id": held.subscription_id},
        org_id=org_id,
    )
    return held
