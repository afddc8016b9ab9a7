"""Owner-scoped purchases: a subscription bought before its organization exists.

The checkout tags it `seatgate_owner_email`; its webhooks hold it here (by folded email) until the
owner creates the organization (`POST /admin/v1/orgs` with `owner_email`) or attaches it to an
existing one. Claiming links the org to the subscription in the org's creating transaction and
queues a `billing_attach` outbox message: after commit, the gateway tags the Stripe customer and
subscription with `seatgate_org_id` and syncs the capacity. The subscription itself - its items
and quantities - is never touched, so no seat is lost in the move.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import outbox
from seats.billing.capacity import SubscriptionSnapshot
from seats.clock import utcnow
from seats.errors import InvalidValue
from seats.storage.tables import orgs, owner_subscriptions

BILLING_ATTACH = "billing_attach"


@dataclass(frozen=True)
class HeldPurchase:
    subscription_id: str
    customer_id: str
    owner_email_key: str
    attached_org_id: str | None
    created_at: datetime


def email_key(email: str) -> str:
    """Emails compare case-insensitively (the local part too: buyers retype their address)."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def validate_owner_email(value: object) -> str:
    if not isinstance(value, str) or "@" not in value or len(value) > 320 or value != value.strip():
        raise InvalidValue("owner_email must be an email address, e.g. founder@example.com")
    return value


async def hold(conn: AsyncConnection, snapshot: SubscriptionSnapshot) -> HeldPurchase:
    """Remember an owner-scoped subscription until its organization exists (idempotent)."""
    assert snapshot.owner_email is not None
    existing = await find_by_subscription(conn, snapshot.id)
    if existing is not None:
        return existing
    values = {
        "subscription_id": snapshot.id,
        "owner_email_key": email_key(snapshot.owner_email),
        "customer_id": snapshot.customer_id,
        "attached_org_id": None,
        "created_at": utcnow(),
    }
    await conn.execute(owner_subscriptions.insert().values(values))
    return HeldPurchase(**values)


async def find_by_subscription(conn: AsyncConnection, subscription_id: str) -> HeldPurchase | None:
    row = (
        (
            await conn.execute(
                sa.select(owner_subscriptions).where(
                    owner_subscriptions.c.subscription_id == subscription_id
                )
            )
        )
        .mappings()
        .first()
    )
    return HeldPurchase(**row) if row else None


async def claim(conn: AsyncConnection, org_id: str, owner_email: str) -> HeldPurchase | None:
    """Attach the owner's newest held purchase to `org_id` (the caller's transaction creates or
    locks the org). Returns None when nothing is held for that email.

    The org is linked at once, so webhooks arriving before the Stripe metadata is written
    already find their org; the Stripe side follows from the outbox.
    """
    row = (
        (
            await conn.execute(
                sa.select(owner_subscriptions)
                .where(owner_subscriptions.c.owner_email_key == email_key(owner_email))
                .where(owner_subscriptions.c.attached_org_id.is_(None))
                .order_by(owner_subscriptions.c.created_at.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
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
    await conn.execute(
        orgs.update()
        .where(orgs.c.id == org_id)
        .values(
            stripe_subscription_id=row["subscription_id"],
            stripe_customer_id=row["customer_id"],
            updated_at=utcnow(),
        )
    )
    await outbox.enqueue(
        conn,
        BILLING_ATTACH,
        {"org_id": org_id, "subscription_id": row["subscription_id"]},
        org_id=org_id,
    )
    return HeldPurchase(**{**row, "attached_org_id": org_id})
