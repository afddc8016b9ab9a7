"""Every Stripe path that changes an org's capacity records its events (issue 11): a webhook
raising or cutting seats (source "billing"), a billing cut at the period end (source
"schedule"), an admin buying seats, auto_expand pushing to Stripe, and a redelivered webhook
recording nothing twice. Against the Stripe-wire fake (tests/fakes/stripe_fake/)."""

from aiohttp.test_utils import TestClient

from seats.billing.pushes import BILLING_PUSH
from tests.billing.support import Billed
from tests.gateway.event_paths_support import (
    Product,
    assert_ledger_agrees,
    seat_change,
    types,
)
from tests.gateway.test_billing_webhook import post_event
from tests.helpers import scim_headers_for
from tests.scim.support import BASE, user_payload


async def provision(billed: Billed, org_id: str, *user_names: str) -> list[str]:
    """SCIM-create users; their ids."""
    headers = await scim_headers_for(billed.client, org_id)
    ids = []
    for name in user_names:
        response = await billed.client.post(
            f"{BASE}/Users", json=user_payload(name), headers=headers
        )
        assert response.status == 201, await response.text()
        ids.append((await response.json())["id"])
    return ids


async def following(client: TestClient, org_id: str) -> Product:
    return await Product.follow(client, org_id)


def billing_change(seat_limit: int | None, previous: int | None, source: str = "billing") -> dict:
    return {
        "seat_limit": seat_limit,
        "previous_seat_limit": previous,
        "source": source,
        "actor": source if source != "auto_expand" else "scim",
    }


async def test_a_new_subscriptions_webhook_records_capacity_changed_from_billing(
    billed: Billed,
) -> None:
    org = await billed.org()
    product = await following(billed.client, org["id"])

    await billed.subscribe(org["id"], 10)

    events = await product.new()
    assert types(events) == ["org.capacity_changed"]
    assert events[0]["data"] == billing_change(10, None)


async def test_a_redelivered_stripe_webhook_records_nothing_the_second_time(
    billed: Billed,
) -> None:
    org = await billed.org()
    billed.fake.hold_webhooks()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 4)], metadata={"seatgate_org_id": org["id"]}
    )
    created = billed.fake.events("customer.subscription.created")[-1]["id"]
    product = await following(billed.client, org["id"])

    assert (await post_event(billed, created))[1]["action"] == "applied"
    assert await product.new_types() == ["org.capacity_changed"]
    assert (await post_event(billed, created))[1]["action"] == "duplicate"
    assert await product.new() == []


async def test_more_seats_added_in_the_stripe_dashboard_record_capacity_changed_and_promotions(
    billed: Billed,
) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 1)
    _, bo = await provision(billed, org["id"], "a@x.io", "b@x.io")
    product = await following(billed.client, org["id"])

    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 2)
    await billed.deliver()

    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.seat_changed", "alert.raised"]
    assert events[0]["data"] == billing_change(2, 1)
    assert events[1]["data"] == seat_change(bo, "active", "over_limit", "promoted", "billing")
    assert events[2]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(billed.client, org["id"])


async def test_an_immediate_cancellation_is_a_cut_enforced_by_billing_that_demotes_the_newest(
    billed: Billed,
) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 2)
    a, b = await provision(billed, org["id"], "a@x.io", "b@x.io")
    product = await following(billed.client, org["id"])

    await billed.fake.cancel_subscription(sub["id"])
    await billed.deliver()

    events = await product.new()
    assert types(events) == [
        "org.capacity_changed",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
        "alert.raised",
    ]
    assert events[0]["data"] == billing_change(0, 2)
    assert [e["data"] for e in events[1:3]] == [
        seat_change(b, "over_limit", "active", "downgrade_enforced", "billing"),
        seat_change(a, "over_limit", "active", "downgrade_enforced", "billing"),
    ]
    assert [e["data"]["kind"] for e in events[3:]] == ["downgrade_enforced", "seat_limit_reached"]
    await assert_ledger_agrees(billed.client, org["id"])


async def test_fewer_seats_in_the_dashboard_warn_now_and_apply_as_a_schedule_at_the_period_end(
    billed: Billed,
) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 3)
    _, b, c = await provision(billed, org["id"], "a@x.io", "b@x.io", "c@x.io")
    product = await following(billed.client, org["id"])

    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 1)
    await billed.deliver()
    events = await product.new()
    assert types(events) == ["alert.raised"]
    assert events[0]["data"]["kind"] == "downgrade_pending"

    await billed.fake.advance_to_period_end(sub["id"])
    await billed.deliver()
    events = await product.new()
    assert types(events) == [
        "org.capacity_changed",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
        "alert.raised",
    ]
    assert events[0]["data"] == billing_change(1, 3, source="schedule")
    assert [e["data"] for e in events[1:3]] == [
        seat_change(c, "over_limit", "active", "downgrade_enforced", "schedule"),
        seat_change(b, "over_limit", "active", "downgrade_enforced", "schedule"),
    ]
    await assert_ledger_agrees(billed.client, org["id"])


async def test_an_admin_buying_seats_through_billing_records_capacity_changed_from_billing(
    billed: Billed,
) -> None:
    org = await billed.org()
    await billed.subscribe(org["id"], 1)
    _, b = await provision(billed, org["id"], "a@x.io", "b@x.io")
    product = await following(billed.client, org["id"])

    status, body = await billed.call("PUT", f"/orgs/{org['id']}/billing/seats", {"seats": 2})
    assert status == 200, body

    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.seat_changed", "alert.raised"]
    assert events[0]["data"] == billing_change(2, 1)
    assert events[1]["data"] == seat_change(b, "active", "over_limit", "promoted", "billing")
    # Stripe's own webhook for that change moves nothing again.
    await billed.deliver()
    assert await product.new() == []
    await assert_ledger_agrees(billed.client, org["id"])


async def test_under_auto_expand_with_stripe_the_growth_is_recorded_once_and_the_push_adds_nothing(
    billed: Billed,
) -> None:
    org = await billed.org(seat_policy="auto_expand")
    await billed.subscribe(org["id"], 1)
    await provision(billed, org["id"], "a@x.io")
    product = await following(billed.client, org["id"])

    (b,) = await provision(billed, org["id"], "b@x.io")
    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.created", "member.seat_changed"]
    assert events[0]["data"] == billing_change(2, 1, source="auto_expand")
    assert events[2]["data"] == seat_change(b, "active", None, "auto_expanded", "scim")

    assert (await billed.deliver_outbox(BILLING_PUSH)).delivered == 1
    await billed.deliver()  # Stripe's webhook for the push
    assert await product.new() == []
    await assert_ledger_agrees(billed.client, org["id"])
