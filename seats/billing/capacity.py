"""Seat capacity from a billing subscription: the snapshot types and the one pure rule.

The domain never sees a Stripe object. The billing adapter (gateway/stripe/) maps a
subscription to the frozen dataclasses below, already resolving each item's seat metadata
(price first, then its product); `capacity_from_subscription` turns a snapshot into a seat limit.
The metadata convention is documented in docs/billing.md and DESIGN.md "Billing (Stripe)".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class SeatRole(StrEnum):
    """What one unit of a price means for seats (metadata `seatgate_seat_role`)."""

    PER_SEAT = "per_seat"  # each unit is a seat
    BASE = "base"  # the item includes `seatgate_included_seats` seats per unit
    ADDON = "addon"  # each unit is one extra seat


# Stripe statuses whose items define capacity. past_due keeps its seats: Stripe is still retrying
# the payment (smart retries), and pulling seats from a paying customer's users over a declined
# card would hurt more than a few days of grace. Everything else - canceled, unpaid,
# incomplete (first payment never made), incomplete_expired, paused - falls back to free capacity.
COUNTING_STATUSES: frozenset[str] = frozenset({"active", "trialing", "past_due"})


@dataclass(frozen=True)
class ItemSnapshot:
    """One subscription item, with its seat metadata already resolved by the adapter.

    `paid_quantity`/`paid_until` record a decrease scheduled for the period end: the quantity on
    Stripe already shows the new number (so the next invoice bills it), but the customer paid for
    `paid_quantity` units until `paid_until`, and keeps them until then.
    """

    id: str
    price_id: str
    product_id: str | None
    quantity: int
    seat_role: SeatRole | None = None
    included_seats: int | None = None
    current_period_end: datetime | None = None
    paid_quantity: int | None = None
    paid_until: datetime | None = None
    # The price's billing period (`month` x 6 is six-monthly) and amount per unit, for display.
    interval: str | None = None
    interval_count: int = 1
    unit_amount: int | None = None  # minor units; None for tiered prices
    currency: str | None = None

    def quantity_at(self, now: datetime) -> int:
        """Units the customer has paid for at `now` (never below the current quantity)."""
        if self.paid_quantity is not None and self.paid_until is not None and now < self.paid_until:
            return max(self.quantity, self.paid_quantity)
        return self.quantity


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """A subscription as the domain needs it: who it belongs to, its status and its items."""

    id: str
    customer_id: str
    status: str
    org_id: str | None
    owner_email: str | None
    items: tuple[ItemSnapshot, ...]
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False

    @property
    def counts_items(self) -> bool:
        return self.status in COUNTING_STATUSES

    def item(self, item_id: str) -> ItemSnapshot | None:
        return next((item for item in self.items if item.id == item_id), None)

    def seat_item(self) -> ItemSnapshot | None:
        """The item seat changes are pushed to: the per-seat item, else the add-on item."""
        for role in (SeatRole.PER_SEAT, SeatRole.ADDON):
            for item in self.items:
                if item.seat_role is role:
                    return item
        return None


@dataclass(frozen=True)
class LegacyPrice:
    """Configuration for a price created before the metadata convention existed."""

    seat_role: SeatRole
    included_seats: int | None = None


def capacity_from_subscription(
    snapshot: SubscriptionSnapshot | None,
    *,
    legacy_prices: Mapping[str, LegacyPrice],
    free_capacity: int | None,
    now: datetime,
) -> int | None:
    """Return the seat capacity a subscription grants (None means unlimited).

    Rules, in order:
    - No subscription, or one whose status is not in COUNTING_STATUSES (canceled, unpaid,
      incomplete_expired, ...): `free_capacity`, the limit of an organization that pays nothing.
    - Each item's role comes from `legacy_prices[item.price_id]` when the price is configured
      there (the operator's explicit mapping wins over metadata), else from the item's metadata.
    - `per_seat`: quantity seats. Graduated or volume tiers change the price, not the seat count.
    - `base`: `included_seats` x quantity seats (a missing `included_seats` counts as 0).
    - `addon`: quantity seats.
    - Items without a role (support plans, one-off fees) are ignored; if no item has a role the
      subscription says nothing about seats and `free_capacity` applies.
    - A decrease scheduled for the period end keeps the paid quantity until then (`now` decides).
    """
    if snapshot is None or not snapshot.counts_items:
        return free_capacity
    capacity = 0
    has_seat_item = False
    for item in snapshot.items:
        role, included = _role_of(item, legacy_prices)
        if role is None:
            continue
        has_seat_item = True
        units = max(0, item.quantity_at(now))
        if role is SeatRole.BASE:
            capacity += units * max(0, included or 0)
        else:
            capacity += units
    return capacity if has_seat_item else free_capacity


def _role_of(
    item: ItemSnapshot, legacy_prices: Mapping[str, LegacyPrice]
) -> tuple[SeatRole | None, int | None]:
    legacy = legacy_prices.get(item.price_id)
    if legacy is not None:
        return legacy.seat_role, legacy.included_seats
    return item.seat_role, item.included_seats


def legacy_prices_from_config(raw: Mapping[str, Any]) -> dict[str, LegacyPrice]:
    """Parse the `stripe_legacy_prices` setting.

    Accepted shapes per price id: `"per_seat"` / `"addon"`, or
    `{"seat_role": "base", "included_seats": 5}` (`"role"` is accepted for `"seat_role"`).
    Raises ValueError naming the price id when an entry is unusable, so a typo fails at start-up
    instead of silently granting zero seats.
    """
    parsed: dict[str, LegacyPrice] = {}
    for price_id, entry in raw.items():
        if isinstance(entry, LegacyPrice):
            parsed[price_id] = entry
            continue
        spec: Mapping[str, Any] = {"seat_role": entry} if isinstance(entry, str) else entry
        try:
            role = SeatRole(spec.get("seat_role", spec.get("role")))
            included = spec.get("included_seats")
            included = None if included is None else int(included)
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"legacy price {price_id!r}: {exc}") from None
        if role is SeatRole.BASE and (included is None or included < 0):
            raise ValueError(f"legacy price {price_id!r}: a base price needs included_seats >= 0")
        parsed[price_id] = LegacyPrice(seat_role=role, included_seats=included)
    return parsed
