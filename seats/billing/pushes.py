"""Seat changes on their way to billing, as pure rules: which item carries them, the quantity,
and the idempotency key. The `billing_push` outbox messages themselves are queued by
`seats.capacity` under auto_expand and sent by the gateway's worker, which never lets
provisioning wait on Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from seats.billing.capacity import (
    ItemSnapshot,
    LegacyPrice,
    SeatRole,
    SubscriptionSnapshot,
    capacity_from_subscription,
)
from seats.billing.port import Effective
from seats.capacity import BILLING_PUSH
from seats.errors import InvalidValue

__all__ = ["BILLING_PUSH", "NoSeatItem", "SeatPush", "idempotency_key", "plan_seat_push"]


class NoSeatItem(InvalidValue):
    """The subscription has no item a seat count can be set on, or the count is out of reach."""

    code = "no_seat_item"


@dataclass(frozen=True)
class SeatPush:
    """Set `item_id` to `quantity` so that the subscription grants `seats`."""

    subscription_id: str
    item_id: str
    quantity: int
    seats: int
    effective: Effective
    # What Stripe grants now, before the push (None: unlimited or free capacity).
    stripe_capacity: int | None


def idempotency_key(org_id: str, seats: int, version: int) -> str:
    """Deterministic: a retry of the same change (same target, same capacity version) replays
    on Stripe instead of applying twice; the version, bumped after every push, keeps a later
    change to the same number (10 -> 11 -> 10 -> 11) from replaying an old one."""
    return f"seatgate:{org_id}:seats:{seats}:{version}"


def plan_seat_push(
    snapshot: SubscriptionSnapshot,
    seats: int,
    *,
    legacy_prices: Mapping[str, LegacyPrice],
    free_capacity: int | None,
    now: datetime,
) -> SeatPush | None:
    """The item update that makes the subscription grant `seats`; None if it already does.

    The seat item is the per-seat item, else the add-on item (`SubscriptionSnapshot.seat_item`,
    with legacy prices taken into account); the other items' seats stay as they are, so with a
    base plan of 10 seats, 14 seats means 4 add-ons. More seats apply now (prorated); fewer at
    the period end.
    """
    if not snapshot.counts_items:
        raise NoSeatItem(
            f"subscription {snapshot.id} is {snapshot.status}: its seats cannot be changed; "
            "start a new subscription with POST /admin/v1/orgs/{id}/billing/checkout"
        )
    item = _seat_item(snapshot, legacy_prices)
    if item is None:
        raise NoSeatItem(
            f"subscription {snapshot.id} has no per_seat or addon item to change; "
            "change its plan in Stripe instead"
        )
    others = SubscriptionSnapshot(
        **{**snapshot.__dict__, "items": tuple(i for i in snapshot.items if i.id != item.id)}
    )
    fixed = capacity_from_subscription(
        others, legacy_prices=legacy_prices, free_capacity=0, now=now
    )
    fixed = fixed or 0
    if seats < fixed:
        raise NoSeatItem(
            f"the subscription's other items already grant {fixed} seats; "
            f"{seats} cannot be reached by changing the seat item",
            minimum=fixed,
        )
    current = capacity_from_subscription(
        snapshot, legacy_prices=legacy_prices, free_capacity=free_capacity, now=now
    )
    quantity = seats - fixed
    if quantity == item.quantity and current == seats:
        return None
    # Compared with what Stripe grants now (a decrease already scheduled keeps the paid seats
    # until the period end): asking for fewer than that is a decrease.
    decrease = current is not None and seats < current
    return SeatPush(
        subscription_id=snapshot.id,
        item_id=item.id,
        quantity=quantity,
        seats=seats,
        effective="period_end" if decrease else "now",
        stripe_capacity=current,
    )


def _seat_item(
    snapshot: SubscriptionSnapshot, legacy_prices: Mapping[str, LegacyPrice]
) -> ItemSnapshot | None:
    def role(item: ItemSnapshot) -> SeatRole | None:
        legacy = legacy_prices.get(item.price_id)
        return legacy.seat_role if legacy is not None else item.seat_role

    for wanted in (SeatRole.PER_SEAT, SeatRole.ADDON):
        for item in snapshot.items:
            if role(item) is wanted:
                return item
    return None
