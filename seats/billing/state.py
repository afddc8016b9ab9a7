"""What seatgate knows about an organization's billing: the subscription it follows, what Stripe
granted at the last sync, when, and the version seat pushes key their idempotency on.

The org row holds the links (`stripe_subscription_id`, `stripe_customer_id`); the `billing_state`
row holds the sync bookkeeping. Both are written in the caller's transaction, never committed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.errors import Conflict
from seats.model import Org
from seats.storage.tables import billing_state


class ManagedByBilling(Conflict):
    """An admin tried to set the capacity of an org whose seats come from its subscription."""

    code = "managed_by_billing"


class NotOnBilling(Conflict):
    """A billing operation on an org that has no subscription to operate on."""

    code = "no_subscription"


class AlreadySubscribed(Conflict):
    """A checkout for an org that already pays through a live subscription."""

    code = "already_subscribed"


@dataclass(frozen=True)
class BillingState:
    org_id: str
    subscription_id: str | None
    subscription_status: str | None
    stripe_capacity: int | None
    fetched_at: datetime | None
    synced_at: datetime | None
    capacity_version: int


def is_billing_managed(org: Org) -> bool:
    """An org's capacity belongs to billing once it is linked to a subscription.

    Orgs never linked (offline contracts, trials run by hand) stay admin-managed even when
    Stripe is configured; a lapsed subscription keeps the org linked, at the free capacity.
    """
    return org.stripe_subscription_id is not None


def require_subscription(org: Org) -> str:
    if org.stripe_subscription_id is None:
        raise NotOnBilling(
            f"organization {org.id} has no Stripe subscription; start one with "
            "POST /admin/v1/orgs/{id}/billing/checkout"
        )
    return org.stripe_subscription_id


async def get_state(conn: AsyncConnection, org_id: str) -> BillingState | None:
    row = (
        (await conn.execute(sa.select(billing_state).where(billing_state.c.org_id == org_id)))
        .mappings()
        .first()
    )
    return _to_state(row) if row else None


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
    """Record the snapshot just applied (caller holds the org lock)."""
    values = {
        "subscription_id": subscription_id,
        "subscription_status": status,
        "stripe_capacity": stripe_capacity,
        "fetched_at": fetched_at,
        "synced_at": synced_at,
    }
    await _upsert(conn, org_id, values)


async def bump_version(conn: AsyncConnection, org_id: str) -> None:
    """A seat push succeeded: the next one gets a fresh idempotency key."""
    if await get_state(conn, org_id) is None:
        await _upsert(conn, org_id, {"capacity_version": 1})
        return
    await conn.execute(
        billing_state.update()
        .where(billing_state.c.org_id == org_id)
        .values(capacity_version=billing_state.c.capacity_version + 1)
    )


async def _upsert(conn: AsyncConnection, org_id: str, values: Mapping[str, Any]) -> None:
    # Callers hold the org lock, so the read-then-write cannot race another writer of this row.
    updated = await conn.execute(
        billing_state.update().where(billing_state.c.org_id == org_id).values(**values)
    )
    if updated.rowcount == 0:
        await conn.execute(billing_state.insert().values(org_id=org_id, **values))


def _to_state(row: Mapping[str, Any]) -> BillingState:
    return BillingState(
        org_id=row["org_id"],
        subscription_id=row["subscription_id"],
        subscription_status=row["subscription_status"],
        stripe_capacity=row["stripe_capacity"],
        fetched_at=row["fetched_at"],
        synced_at=row["synced_at"],
        capacity_version=row["capacity_version"],
    )
