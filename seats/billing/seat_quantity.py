"""Choosing an org's seat quantity (the console's Seats page): what the org has and may choose,
the cost of a change as the billing provider previews it, and the change itself.

The bounds are a rule of this page's users: an org's billing contact may not buy fewer seats than
are in use, nor more than the org's cap (`max_seats`). The operator's
`PUT /admin/v1/orgs/{id}/billing/seats` keeps its own rules (it may schedule a cut below usage).
Both apply a change through `service.change_seats`.

The bounds are read before Stripe is called and not held across the call: a member provisioned
meanwhile can leave the quantity one below usage, which the seat engine then handles as it handles
any capacity cut (the newest member waits `over_limit`), never with more counted members than seats.
"""

from __future__ import annotations

from dataclasses import dataclass

from seats import summary
from seats.billing import pushes, state
from seats.billing.capacity import ItemSnapshot, SubscriptionSnapshot, capacity_from_subscription
from seats.billing.port import BillingError, InvoicePreview, QuantityChange
from seats.billing.service import Billing, SeatChange, change_seats
from seats.capacity import CapacityChange
from seats.errors import InvalidValue
from seats.model import Org
from seats.orgs import get_org, validate_seat_number
from seats.storage.database import Database

QUICK_SIZES = (5, 10, 25, 50, 100, 250, 500, 1000)


class SeatQuantityOutOfRange(InvalidValue):
    """A seat quantity below what is in use or above the org's cap."""

    code = "seat_quantity_out_of_range"


@dataclass(frozen=True)
class SeatBounds:
    """The seat quantities the org may choose: from `minimum` to `maximum` (None: no cap)."""

    used: int
    included: int  # seats other items (a base plan) grant whatever the seat item says
    maximum: int | None

    @property
    def minimum(self) -> int:
        return max(self.used, self.included)

    def allows(self, seats: int) -> bool:
        return seats >= self.minimum and (self.maximum is None or seats <= self.maximum)

    @property
    def sentence(self) -> str:
        """What the page says before a submit and the server answers after a refused one."""
        why = f"{self.used} in use"
        if self.included > self.used:
            why = f"the base plan includes {self.included}"
        if self.maximum is None:
            return f"Choose at least {self.minimum} seats: {why}."
        if self.maximum < self.minimum:
            return (
                f"No quantity fits: {why}, above this organization's cap of {self.maximum} "
                "seats. Free seats first, or ask the operator to raise the cap."
            )
        return (
            f"Choose from {self.minimum} to {self.maximum} seats: {why}, "
            f"and this organization's cap is {self.maximum}."
        )

    def quick_sizes(self, current: int | None) -> list[int]:
        """A few sizes to pick with one click: the smallest allowed, then round numbers."""
        sizes = {self.minimum, *QUICK_SIZES}
        if self.maximum is not None:
            sizes.add(self.maximum)
        allowed = sorted(s for s in sizes if self.allows(s) and s != current)
        return allowed[:6]


@dataclass(frozen=True)
class SeatQuantity:
    """The org's seats and, for a Stripe-managed org, its subscription as Stripe has it now."""

    org: Org
    seats: summary.SeatSummary
    managed: bool  # billing is on and the org follows a subscription: the quantity is choosable
    bounds: SeatBounds
    subscription: SubscriptionSnapshot | None
    stripe_error: BillingError | None  # the subscription could not be read

    @property
    def seat_item(self) -> ItemSnapshot | None:
        return self.subscription.seat_item() if self.subscription else None

    @property
    def pending_decrease(self) -> CapacityChange | None:
        """The first scheduled change that lowers the seat limit (a decrease waiting for the
        period end), if any."""
        current = self.seats.capacity
        for change in self.seats.scheduled_changes:
            if change.new_capacity is not None and (
                current is None or change.new_capacity < current
            ):
                return change
        return None

    @property
    def current(self) -> int:
        """The quantity the page starts from: the seats the org holds now."""
        return self.org.seat_limit if self.org.seat_limit is not None else self.seats.used


@dataclass(frozen=True)
class SeatChangePreview:
    """What changing to `seats` would do: the item update, and the next invoice after it.
    `invoice` is None when Stripe did not answer (`unavailable` says why) or nothing changes."""

    seats: int
    push: pushes.SeatPush | None
    invoice: InvoicePreview | None
    unavailable: str | None = None


async def seat_quantity(database: Database, billing: Billing | None, org_id: str) -> SeatQuantity:
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        seats = await summary.seat_summary(conn, org_id)
    managed = billing is not None and state.is_billing_managed(org)
    subscription, error = None, None
    if managed:
        assert billing is not None and org.stripe_subscription_id is not None
        try:
            subscription = await billing.port.fetch_subscription(org.stripe_subscription_id)
        except BillingError as exc:
            error = exc
    included = _included_seats(billing, subscription) if billing and subscription else 0
    return SeatQuantity(
        org=org,
        seats=seats,
        managed=managed,
        bounds=SeatBounds(used=seats.used, included=included, maximum=org.max_seats),
        subscription=subscription,
        stripe_error=error,
    )


async def preview_seat_change(
    database: Database, billing: Billing, org_id: str, seats: int
) -> tuple[SeatQuantity, SeatChangePreview]:
    """The page's state and the cost of `seats`, as Stripe previews the next invoice. Stripe not
    answering the preview is not an error: the change can still be made, without a preview."""
    page = await _checked(database, billing, org_id, seats)
    if page.subscription is None:
        reason = str(page.stripe_error) if page.stripe_error else "no subscription"
        return page, SeatChangePreview(seats, None, None, unavailable=reason)
    push = pushes.plan_seat_push(
        page.subscription,
        seats,
        legacy_prices=billing.rules.legacy_prices,
        free_capacity=billing.rules.free_capacity,
        now=billing.clock(),
    )
    if push is None:
        return page, SeatChangePreview(seats, None, None)
    try:
        invoice = await billing.port.preview_invoice(
            push.subscription_id,
            change=QuantityChange(push.item_id, push.quantity, push.effective),
        )
    except BillingError as exc:
        return page, SeatChangePreview(seats, push, None, unavailable=str(exc))
    return page, SeatChangePreview(seats, push, invoice)


async def change_seat_quantity(
    database: Database,
    billing: Billing,
    org_id: str,
    seats: int,
    *,
    actor: str,
    previewed: bool,
) -> SeatChange:
    """Refuse a quantity outside the bounds, then change the seats as the admin API does,
    recording who did it (and whether they saw a preview) in the audit trail."""
    await _checked(database, billing, org_id, seats)
    return await change_seats(
        database, billing, org_id, seats, actor=actor, audit_detail={"previewed": previewed}
    )


async def _checked(database: Database, billing: Billing, org_id: str, seats: int) -> SeatQuantity:
    validate_seat_number("seats", seats, allow_null=False)
    page = await seat_quantity(database, billing, org_id)
    state.require_subscription(page.org)
    if not page.bounds.allows(seats):
        raise SeatQuantityOutOfRange(
            page.bounds.sentence,
            minimum=page.bounds.minimum,
            maximum=page.bounds.maximum,
            used=page.bounds.used,
        )
    return page


def _included_seats(billing: Billing, subscription: SubscriptionSnapshot) -> int:
    """The seats the subscription's other items grant: the floor of what the seat item sets."""
    item = subscription.seat_item()
    if item is None or not subscription.counts_items:
        return 0
    others = SubscriptionSnapshot(
        **{**subscription.__dict__, "items": tuple(i for i in subscription.items if i != item)}
    )
    granted = capacity_from_subscription(
        others, legacy_prices=billing.rules.legacy_prices, free_capacity=0, now=billing.clock()
    )
    return granted or 0
