"""Capacity from a subscription: DESIGN.md "Billing (Stripe)" and docs/billing.md."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seats.billing import (
    ItemSnapshot,
    LegacyPrice,
    SeatRole,
    SubscriptionSnapshot,
    capacity_from_subscription,
    legacy_prices_from_config,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def item(
    role: SeatRole | None,
    quantity: int,
    *,
    included: int | None = None,
    price_id: str | None = None,
    paid_quantity: int | None = None,
    paid_until: datetime | None = None,
) -> ItemSnapshot:
    return ItemSnapshot(
        id=f"si_{role}_{quantity}",
        price_id=price_id or f"price_{role}",
        product_id="prod_1",
        quantity=quantity,
        seat_role=role,
        included_seats=included,
        paid_quantity=paid_quantity,
        paid_until=paid_until,
    )


def subscription(*items: ItemSnapshot, status: str = "active") -> SubscriptionSnapshot:
    return SubscriptionSnapshot(
        id="sub_1",
        customer_id="cus_1",
        status=status,
        org_id="org_1",
        owner_email=None,
        items=items,
    )


def capacity(
    snapshot: SubscriptionSnapshot | None,
    *,
    legacy: dict[str, LegacyPrice] | None = None,
    free: int | None = 3,
    now: datetime = NOW,
) -> int | None:
    return capacity_from_subscription(
        snapshot, legacy_prices=legacy or {}, free_capacity=free, now=now
    )


def test_each_per_seat_unit_is_a_seat() -> None:
    assert capacity(subscription(item(SeatRole.PER_SEAT, 12))) == 12


def test_a_base_item_includes_its_seats_times_its_quantity() -> None:
    assert capacity(subscription(item(SeatRole.BASE, 1, included=5))) == 5
    assert capacity(subscription(item(SeatRole.BASE, 2, included=5))) == 10


def test_a_base_item_without_included_seats_grants_none() -> None:
    assert capacity(subscription(item(SeatRole.BASE, 1))) == 0


def test_each_addon_unit_is_one_extra_seat() -> None:
    snapshot = subscription(item(SeatRole.BASE, 1, included=10), item(SeatRole.ADDON, 4))
    assert capacity(snapshot) == 14


def test_all_seat_items_add_up() -> None:
    snapshot = subscription(
        item(SeatRole.BASE, 1, included=5),
        item(SeatRole.PER_SEAT, 7),
        item(SeatRole.ADDON, 3),
    )
    assert capacity(snapshot) == 15


def test_items_without_a_role_are_ignored() -> None:
    snapshot = subscription(item(SeatRole.PER_SEAT, 8), item(None, 50))
    assert capacity(snapshot) == 8


def test_a_subscription_without_seat_items_says_nothing_about_seats() -> None:
    assert capacity(subscription(item(None, 50)), free=3) == 3
    assert capacity(subscription(item(None, 50)), free=None) is None


def test_tiers_change_the_price_not_the_seat_count() -> None:
    # Graduated tiers live on the price; the snapshot only carries quantity and role, so a
    # 25-seat graduated subscription is 25 seats whatever the tier boundaries are.
    assert capacity(subscription(item(SeatRole.PER_SEAT, 25, price_id="price_graduated"))) == 25


def test_a_zero_quantity_per_seat_item_grants_zero_seats_not_free_capacity() -> None:
    assert capacity(subscription(item(SeatRole.PER_SEAT, 0)), free=3) == 0


@pytest.mark.parametrize("status", ["active", "trialing", "past_due"])
def test_live_subscriptions_count_their_items(status: str) -> None:
    assert capacity(subscription(item(SeatRole.PER_SEAT, 9), status=status)) == 9


@pytest.mark.parametrize(
    "status", ["canceled", "unpaid", "incomplete_expired", "incomplete", "paused"]
)
def test_ended_or_unpaid_subscriptions_fall_back_to_free_capacity(status: str) -> None:
    snapshot = subscription(item(SeatRole.PER_SEAT, 9), status=status)
    assert capacity(snapshot, free=2) == 2
    assert capacity(snapshot, free=None) is None


def test_no_subscription_means_free_capacity() -> None:
    assert capacity(None, free=1) == 1


def test_a_legacy_price_gets_its_role_from_configuration() -> None:
    legacy = {"price_2019_team": LegacyPrice(SeatRole.BASE, included_seats=20)}
    snapshot = subscription(item(None, 1, price_id="price_2019_team"), item(SeatRole.ADDON, 2))
    assert capacity(snapshot, legacy=legacy) == 22


def test_configuration_wins_over_metadata_for_a_legacy_price() -> None:
    legacy = {"price_old": LegacyPrice(SeatRole.PER_SEAT)}
    snapshot = subscription(item(SeatRole.BASE, 4, included=10, price_id="price_old"))
    assert capacity(snapshot, legacy=legacy) == 4


def test_seats_decreased_for_the_period_end_are_kept_until_then() -> None:
    end = NOW + timedelta(days=10)
    decreased = item(SeatRole.PER_SEAT, 5, paid_quantity=10, paid_until=end)
    assert capacity(subscription(decreased), now=NOW) == 10
    assert capacity(subscription(decreased), now=end) == 5


def test_a_paid_quantity_below_the_current_quantity_changes_nothing() -> None:
    grown = item(SeatRole.PER_SEAT, 12, paid_quantity=10, paid_until=NOW + timedelta(days=1))
    assert capacity(subscription(grown)) == 12


def test_legacy_prices_parse_from_settings() -> None:
    parsed = legacy_prices_from_config(
        {
            "price_a": "per_seat",
            "price_b": {"seat_role": "base", "included_seats": "5"},
            "price_c": {"role": "addon"},
        }
    )
    assert parsed == {
        "price_a": LegacyPrice(SeatRole.PER_SEAT),
        "price_b": LegacyPrice(SeatRole.BASE, 5),
        "price_c": LegacyPrice(SeatRole.ADDON),
    }


@pytest.mark.parametrize(
    "entry", ["per-seat", {"seat_role": "base"}, {"seat_role": "base", "included_seats": "x"}]
)
def test_unusable_legacy_price_settings_fail_loudly(entry: object) -> None:
    with pytest.raises(ValueError, match="price_bad"):
        legacy_prices_from_config({"price_bad": entry})


def test_the_seat_item_is_the_per_seat_item_else_the_addon() -> None:
    per_seat, addon = item(SeatRole.PER_SEAT, 3), item(SeatRole.ADDON, 1)
    assert subscription(item(SeatRole.BASE, 1, included=5), addon, per_seat).seat_item() == per_seat
    assert subscription(item(SeatRole.BASE, 1, included=5), addon).seat_item() == addon
    assert subscription(item(None, 1)).seat_item() is None


# -- properties -----------------------------------------------------------------------------

roles = st.sampled_from([None, *SeatRole])
items_strategy = st.lists(
    st.builds(
        item,
        roles,
        st.integers(min_value=0, max_value=1000),
        included=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    ),
    max_size=6,
)
statuses = st.sampled_from(["active", "trialing", "past_due", "canceled", "unpaid"])


@given(items=items_strategy, status=statuses, free=st.one_of(st.none(), st.integers(0, 50)))
def test_capacity_is_never_negative(
    items: list[ItemSnapshot], status: str, free: int | None
) -> None:
    result = capacity(subscription(*items, status=status), free=free)
    assert result is None or result >= 0


@given(
    items=items_strategy,
    quantity=st.integers(min_value=0, max_value=1000),
    more=st.integers(min_value=0, max_value=1000),
)
def test_capacity_grows_with_the_per_seat_quantity(
    items: list[ItemSnapshot], quantity: int, more: int
) -> None:
    smaller = capacity(subscription(*items, item(SeatRole.PER_SEAT, quantity)))
    larger = capacity(subscription(*items, item(SeatRole.PER_SEAT, quantity + more)))
    assert smaller is not None and larger is not None
    assert larger - smaller == more
