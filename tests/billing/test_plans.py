"""The pure billing rules: what a subscription means for the seats now and later
(`plan_capacity`), and which item a seat count is pushed to (`plan_seat_push`)."""

from datetime import UTC, datetime, timedelta

import pytest

from seats.billing import ItemSnapshot, LegacyPrice, SeatRole, SubscriptionSnapshot
from seats.billing.pushes import NoSeatItem, idempotency_key, plan_seat_push
from seats.billing.sync import BillingRules, CapacityPlan, plan_capacity

NOW = datetime(2026, 3, 1, tzinfo=UTC)
END = NOW + timedelta(days=20)
RULES = BillingRules(free_capacity=1)


def seat_item(quantity: int, **fields: object) -> ItemSnapshot:
    values: dict[str, object] = {
        "id": "si_seats",
        "price_id": "price_seat",
        "product_id": "prod_1",
        "quantity": quantity,
        "seat_role": SeatRole.PER_SEAT,
        "current_period_end": END,
        **fields,
    }
    return ItemSnapshot(**values)  # type: ignore[arg-type]


def sub(*items: ItemSnapshot, status: str = "active", cancel: bool = False) -> SubscriptionSnapshot:
    return SubscriptionSnapshot(
        id="sub_1",
        customer_id="cus_1",
        status=status,
        org_id="org_1",
        owner_email=None,
        items=items,
        current_period_end=END,
        cancel_at_period_end=cancel,
    )


def plan(
    snapshot: SubscriptionSnapshot,
    current: int | None,
    *,
    first: bool = False,
    floor: int | None = None,
) -> CapacityPlan:
    return plan_capacity(snapshot, RULES, current=current, now=NOW, first_sync=first, floor=floor)


@pytest.mark.parametrize(
    ("snapshot", "current", "first", "floor", "expected"),
    [
        pytest.param(sub(seat_item(12)), 10, False, None, (12, None, None), id="raise: now"),
        pytest.param(sub(seat_item(10)), 10, False, None, (10, None, None), id="same: nothing"),
        pytest.param(
            sub(seat_item(6)), 10, False, None, (10, 6, END), id="dashboard cut: at period end"
        ),
        pytest.param(
            sub(seat_item(6, paid_quantity=10, paid_until=END)),
            10,
            False,
            None,
            (10, 6, END),
            id="seatgate's period-end cut: paid seats kept until then",
        ),
        pytest.param(
            sub(seat_item(5), cancel=True),
            5,
            False,
            None,
            (5, 1, END),
            id="cancel at period end: free capacity then",
        ),
        pytest.param(
            sub(seat_item(5), status="canceled"), 5, False, None, (1, None, None), id="ended: now"
        ),
        pytest.param(
            sub(seat_item(5), status="unpaid"), 5, False, None, (1, None, None), id="unpaid: now"
        ),
        pytest.param(
            sub(seat_item(5), status="past_due"), 5, False, None, (5, None, None), id="past_due"
        ),
        pytest.param(sub(seat_item(3)), 20, True, None, (3, None, None), id="first sync: now"),
        pytest.param(
            sub(seat_item(3)), None, True, None, (3, None, None), id="unlimited to bought"
        ),
        pytest.param(
            sub(seat_item(10)), 11, False, 11, (11, None, None), id="queued push: floor kept"
        ),
    ],
)
def test_capacity_plans(
    snapshot: SubscriptionSnapshot,
    current: int | None,
    first: bool,
    floor: int | None,
    expected: tuple[int | None, int | None, datetime | None],
) -> None:
    result = plan(snapshot, current, first=first, floor=floor)
    assert (result.now, result.later, result.at) == expected


def test_the_plan_reports_what_stripe_grants_at_this_moment() -> None:
    assert plan(sub(seat_item(6)), 10).stripe_now == 6


# -- pushes ----------------------------------------------------------------------------------


def push_for(snapshot: SubscriptionSnapshot, seats: int, **legacy: LegacyPrice):  # type: ignore[no-untyped-def]
    return plan_seat_push(snapshot, seats, legacy_prices=legacy, free_capacity=1, now=NOW)


def test_more_seats_are_pushed_now_and_fewer_at_the_period_end() -> None:
    up = push_for(sub(seat_item(10)), 12)
    down = push_for(sub(seat_item(10)), 7)
    assert up is not None and (up.item_id, up.quantity, up.effective) == ("si_seats", 12, "now")
    assert down is not None and (down.quantity, down.effective) == (7, "period_end")
    assert push_for(sub(seat_item(10)), 10) is None


def test_add_ons_on_top_of_a_base_plan_make_up_the_difference() -> None:
    base = seat_item(1, id="si_base", seat_role=SeatRole.BASE, included_seats=10)
    addon = seat_item(2, id="si_addon", seat_role=SeatRole.ADDON)

    push = push_for(sub(base, addon), 15)

    assert push is not None and (push.item_id, push.quantity) == ("si_addon", 5)
    with pytest.raises(NoSeatItem, match="already grant 10"):
        push_for(sub(base, addon), 8)


def test_a_subscription_without_a_seat_item_cannot_take_a_seat_count() -> None:
    base = seat_item(1, seat_role=SeatRole.BASE, included_seats=10)
    with pytest.raises(NoSeatItem, match="no per_seat or addon item"):
        push_for(sub(base), 12)
    legacy = seat_item(3, seat_role=None, price_id="price_old")
    push = push_for(sub(legacy), 4, price_old=LegacyPrice(SeatRole.PER_SEAT))
    assert push is not None and push.quantity == 4


def test_an_ended_subscription_takes_no_seat_change() -> None:
    with pytest.raises(NoSeatItem, match="canceled"):
        push_for(sub(seat_item(3), status="canceled"), 4)


def test_asking_back_for_seats_still_paid_is_not_a_decrease() -> None:
    pending_cut = seat_item(6, paid_quantity=10, paid_until=END)
    push = push_for(sub(pending_cut), 10)
    assert push is not None and (push.quantity, push.effective) == (10, "now")


def test_idempotency_keys_name_the_org_the_count_and_the_version() -> None:
    assert idempotency_key("org_1", 12, 3) == "seatgate:org_1:seats:12:3"
