"""Stripe objects (as plain dicts) to domain snapshots, and the plan for a quantity change.

Pure functions: no SDK, no I/O. `client.py` fetches and sends; this module decides what
the data means under the metadata convention (docs/billing.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from seats.billing import Effective, ItemSnapshot, SeatRole, SubscriptionSnapshot

log = logging.getLogger(__name__)

ORG_ID = "seatgate_org_id"
OWNER_EMAIL = "seatgate_owner_email"
SEAT_ROLE = "seatgate_seat_role"
INCLUDED_SEATS = "seatgate_included_seats"
PAID_QUANTITY = "seatgate_paid_quantity"
PAID_UNTIL = "seatgate_paid_until"

Proration = Literal["create_prorations", "none"]


# -- mapping Stripe objects to snapshots ------------------------------------------------------


def snapshot_from_subscription(
    sub: Mapping[str, Any], items: Sequence[Mapping[str, Any]]
) -> SubscriptionSnapshot:
    """Map a subscription (customer and item products expanded or not) to a snapshot."""
    customer = sub["customer"]
    customer_meta = {} if isinstance(customer, str) else customer.get("metadata") or {}
    meta = sub.get("metadata") or {}
    snapshots = tuple(_item_snapshot(item) for item in items)
    period_ends = [i.current_period_end for i in snapshots if i.current_period_end is not None]
    return SubscriptionSnapshot(
        id=sub["id"],
        customer_id=customer if isinstance(customer, str) else customer["id"],
        status=sub["status"],
        # The subscription's tag wins; the customer's covers subscriptions made by hand.
        org_id=meta.get(ORG_ID) or customer_meta.get(ORG_ID),
        owner_email=meta.get(OWNER_EMAIL) or customer_meta.get(OWNER_EMAIL),
        items=snapshots,
        current_period_end=min(period_ends) if period_ends else None,
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
    )


def _item_snapshot(item: Mapping[str, Any]) -> ItemSnapshot:
    price = item["price"]
    product = price.get("product")
    product_meta = (product.get("metadata") or {}) if isinstance(product, Mapping) else {}
    price_meta = price.get("metadata") or {}
    item_meta = item.get("metadata") or {}
    paid_until = _count(item_meta.get(PAID_UNTIL), item["id"], PAID_UNTIL)
    period_end = item.get("current_period_end")
    recurring = price.get("recurring") or {}
    return ItemSnapshot(
        id=item["id"],
        price_id=price["id"],
        product_id=product["id"] if isinstance(product, Mapping) else product,
        quantity=item.get("quantity") or 0,
        # The price's metadata wins over its product's, key by key.
        seat_role=_seat_role(price_meta.get(SEAT_ROLE) or product_meta.get(SEAT_ROLE), price),
        included_seats=_count(
            price_meta.get(INCLUDED_SEATS) or product_meta.get(INCLUDED_SEATS),
            price["id"],
            INCLUDED_SEATS,
        ),
        current_period_end=_datetime(period_end),
        paid_quantity=_count(item_meta.get(PAID_QUANTITY), item["id"], PAID_QUANTITY),
        paid_until=_datetime(paid_until),
        interval=recurring.get("interval"),
        interval_count=recurring.get("interval_count") or 1,
        unit_amount=price.get("unit_amount"),
        currency=price.get("currency"),
    )


def _seat_role(raw: str | None, price: Mapping[str, Any]) -> SeatRole | None:
    if raw is None:
        return None
    try:
        return SeatRole(raw.strip())
    except ValueError:
        # A typo must not crash billing sync; it is logged and the item grants no seats.
        log.warning("price %s has an unknown %s %r", price["id"], SEAT_ROLE, raw)
        return None


def _count(raw: str | None, owner: str, key: str) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        log.warning("%s has an unusable %s %r", owner, key, raw)
        return None
    return value


def _datetime(timestamp: int | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


# -- quantity changes -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityStep:
    """One subscription-item update: quantity, proration, metadata changes, key suffix."""

    quantity: int
    proration_behavior: Proration
    metadata: dict[str, str] = field(default_factory=dict)
    key_suffix: str = ""


def plan_quantity_change(
    *,
    current: int,
    item_metadata: Mapping[str, str],
    period_end: int,
    target: int,
    effective: Effective,
    now: int,
) -> list[QuantityStep]:
    """The item updates that take a quantity from `current` to `target`.

    - Same quantity: nothing (which also makes a repeated call with the same key a no-op).
    - Decrease at period end: lower now without proration and record the paid quantity.
    - Decrease now: prorate (Stripe credits the rest of the period); any record is cleared.
    - Increase: prorated - except seats still paid for this period after a period-end decrease,
      which come back free: restore up to the paid quantity first, then prorate the rest.
    """
    if target == current:
        return []
    has_record = PAID_QUANTITY in item_metadata or PAID_UNTIL in item_metadata
    clear = {PAID_QUANTITY: "", PAID_UNTIL: ""} if has_record else {}
    paid = _paid_quantity(item_metadata, now)
    paid = paid if paid is not None and paid > current else None
    if target < current:
        if effective == "period_end":
            keep = max(current, paid or 0)
            return [
                QuantityStep(
                    target, "none", {PAID_QUANTITY: str(keep), PAID_UNTIL: str(period_end)}
                )
            ]
        return [QuantityStep(target, "create_prorations", clear)]
    if paid is None:
        return [QuantityStep(target, "create_prorations", clear)]
    if target <= paid:
        return [QuantityStep(target, "none")]
    return [
        QuantityStep(paid, "none", clear, key_suffix=".restore"),
        QuantityStep(target, "create_prorations"),
    ]


def _paid_quantity(metadata: Mapping[str, str], now: int) -> int | None:
    try:
        quantity, until = int(metadata[PAID_QUANTITY]), int(metadata[PAID_UNTIL])
    except (KeyError, ValueError):
        return None
    return quantity if until > now else None
