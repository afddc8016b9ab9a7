"""Admin seat changes on a Stripe-managed org: PUT /admin/v1/orgs/{id}/billing/seats goes to
Stripe first (prorated increases now, decreases at the period end, a deterministic idempotency
key), then to the seat engine; a refusal or an outage changes nothing. Changes made in the Stripe
dashboard reach the seats through webhooks the same way."""

from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from seats.storage import billing_store
from tests.billing.support import Billed
from tests.helpers import ADMIN_HEADERS, create_org


async def subscribed_org(billed: Billed, quantity: int = 10, **fields: Any) -> tuple[str, dict]:
    org = await billed.org(**fields)
    sub = await billed.subscribe(org["id"], quantity)
    return org["id"], sub


async def put_seats(billed: Billed, org_id: str, seats: Any) -> tuple[int, dict[str, Any]]:
    return await billed.call("PUT", f"/orgs/{org_id}/billing/seats", {"seats": seats})


async def test_more_seats_are_bought_now_with_prorations_and_a_deterministic_key(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 2)
    assert await billed.provision(org_id, "a@x.io", "b@x.io", "c@x.io") == [
        "active",
        "active",
        "over_limit",
    ]

    status, body = await put_seats(billed, org_id, 5)

    assert status == 200, body
    assert (body["seat_limit"], body["effective"]) == (5, "now")
    [post] = billed.fake.requests("POST", "/v1/subscription_items/")
    assert post.idempotency_key == f"seatgate:{org_id}:seats:5:0"
    assert post.params["proration_behavior"] == "create_prorations"
    assert [(p["from_quantity"], p["to_quantity"]) for p in billed.fake.prorations] == [(2, 5)]
    assert billed.item_of(sub)["quantity"] == 5
    assert await billed.members(org_id, "over_limit") == []  # promoted at once


async def test_the_next_change_gets_a_new_key_even_for_a_number_seen_before(
    billed: Billed,
) -> None:
    org_id, _ = await subscribed_org(billed, 10)

    for seats in (11, 12, 11):
        assert (await put_seats(billed, org_id, seats))[0] == 200
        await billed.deliver()  # Stripe's own webhooks for the change arrive too

    keys = [r.idempotency_key for r in billed.fake.requests("POST", "/v1/subscription_items/")]
    assert keys[0] == f"seatgate:{org_id}:seats:11:0"
    assert keys[1] == f"seatgate:{org_id}:seats:12:1"
    assert keys[2] == f"seatgate:{org_id}:seats:11:2"


async def test_fewer_seats_take_effect_at_the_period_end_with_a_warning_first(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 4)
    await billed.provision(org_id, "a@x.io", "b@x.io", "c@x.io", "d@x.io")

    status, body = await put_seats(billed, org_id, 2)

    assert status == 200, body
    assert (body["seat_limit"], body["effective"]) == (4, "period_end")
    [scheduled] = body["scheduled_changes"]
    assert scheduled["seat_limit"] == 2 and scheduled["source"] == "billing"
    assert billed.item_of(sub)["quantity"] == 2  # the next invoice bills 2
    assert billed.fake.prorations == []  # no credit for the seats kept until then
    [pending] = await billed.alerts(org_id, "downgrade_pending")
    assert (pending["details"]["new_capacity"], pending["details"]["to_be_demoted"]) == (2, 2)
    assert await billed.members(org_id, "over_limit") == []

    await billed.deliver()  # the update's own webhook: same plan, nothing moves
    assert (await billed.seats(org_id))["capacity"] == 4

    await billed.fake.advance_to_period_end(sub["id"])
    await billed.deliver()  # the renewal's webhook arrives after the period ended
    seats = await billed.seats(org_id)
    assert (seats["capacity"], seats["over_limit"]) == (2, 2)
    assert await billed.members(org_id, "over_limit") == ["c@x.io", "d@x.io"]  # newest first
    [enforced] = await billed.alerts(org_id, "downgrade_enforced")
    assert enforced["details"]["demoted"] == 2


async def test_the_scheduled_cut_also_applies_from_the_worker_without_a_webhook(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 3)
    await put_seats(billed, org_id, 1)
    billed.fake.hold_webhooks()
    await billed.fake.advance_to_period_end(sub["id"])

    assert await billed.run_scheduled() == 1
    assert (await billed.seats(org_id))["capacity"] == 1


async def test_stripe_unreachable_fails_the_change_with_502_and_changes_nothing(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 3)
    billed.fake.fail_next("disconnect", times=10)

    status, body = await put_seats(billed, org_id, 8)

    assert status == 502
    assert body["error"] == "billing_unavailable" and "Stripe" in body["detail"]
    billed.fake.clear_failures()
    assert (await billed.seats(org_id))["capacity"] == 3
    assert billed.item_of(sub)["quantity"] == 3


async def test_a_refusal_by_stripe_is_a_422_with_stripes_message(billed: Billed) -> None:
    org_id, sub = await subscribed_org(billed, 3)
    billed.fake.fail_next("card_declined", method="POST", path="/v1/subscription_items/")

    status, body = await put_seats(billed, org_id, 8)

    assert status == 422
    assert body["error"] == "billing_rejected"
    assert "Your card was declined." in body["detail"]
    assert body["stripe_code"] == "card_declined"
    assert (await billed.seats(org_id))["capacity"] == 3
    assert billed.item_of(sub)["quantity"] == 3


async def test_a_failed_commit_is_retried_with_the_same_key_and_applied_once(
    billed: Billed, monkeypatch: pytest.MonkeyPatch
) -> None:
    org_id, sub = await subscribed_org(billed, 3)
    real_bump = billing_store.bump_version

    async def failing_bump(conn: Any, org: str) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(billing_store, "bump_version", failing_bump)
    status, _ = await put_seats(billed, org_id, 6)
    assert status == 500
    assert billed.item_of(sub)["quantity"] == 6  # Stripe has it...
    assert (await billed.seats(org_id))["capacity"] == 3  # ...the gateway rolled back

    monkeypatch.setattr(billing_store, "bump_version", real_bump)
    status, body = await put_seats(billed, org_id, 6)

    assert (status, body["seat_limit"]) == (200, 6)
    [post] = billed.fake.requests("POST", "/v1/subscription_items/")  # not sent twice
    assert post.idempotency_key == f"seatgate:{org_id}:seats:6:0"
    assert len(billed.fake.prorations) == 1


async def test_seat_counts_are_validated(billed: Billed) -> None:
    org_id, _ = await subscribed_org(billed, 3)
    for bad in (-1, "7", None, 1.5):
        status, body = await put_seats(billed, org_id, bad)
        assert (status, body["error"]) == (422, "invalid_value"), body


async def test_an_org_without_a_subscription_has_no_seats_to_change_on_stripe(
    billed: Billed,
) -> None:
    org = await billed.org(seat_limit=5)
    status, body = await put_seats(billed, org["id"], 8)
    assert (status, body["error"]) == (409, "no_subscription")
    assert "/billing/checkout" in body["detail"]


async def test_patching_seat_limit_on_a_stripe_managed_org_points_to_the_billing_route(
    billed: Billed,
) -> None:
    org_id, _ = await subscribed_org(billed, 3)

    status, body = await billed.call("PATCH", f"/orgs/{org_id}", {"seat_limit": 9})

    assert (status, body["error"]) == (409, "managed_by_billing")
    assert f"PUT /admin/v1/orgs/{org_id}/billing/seats" in body["detail"]
    status, body = await billed.call("PATCH", f"/orgs/{org_id}", {"max_seats": 20})
    assert status == 200  # the other settings stay the admin's
    other = await billed.org(seat_limit=2)
    status, body = await billed.call("PATCH", f"/orgs/{other['id']}", {"seat_limit": 4})
    assert (status, body["seat_limit"]) == (200, 4)  # never linked: admin-managed


async def test_with_billing_off_every_billing_route_says_so_and_admins_set_seats(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=2)
    for method, path in (
        ("PUT", f"/orgs/{org['id']}/billing/seats"),
        ("GET", f"/orgs/{org['id']}/billing"),
        ("POST", f"/orgs/{org['id']}/billing/checkout"),
        ("POST", "/billing/owner-checkout"),
        ("POST", f"/orgs/{org['id']}/billing/attach"),
    ):
        response = await client.request(
            method, f"/admin/v1{path}", json={"seats": 3}, headers=ADMIN_HEADERS
        )
        body = await response.json()
        assert (response.status, body["error"]) == (503, "billing_disabled"), path
    response = await client.patch(
        f"/admin/v1/orgs/{org['id']}", json={"seat_limit": 7}, headers=ADMIN_HEADERS
    )
    assert (await response.json())["seat_limit"] == 7


# -- changes made in Stripe, outside the app ---------------------------------------------------


async def test_more_seats_added_in_the_dashboard_apply_now_and_promote_waiting_members(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 1)
    await billed.provision(org_id, "a@x.io", "b@x.io")

    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 2)
    await billed.deliver()

    assert (await billed.seats(org_id))["capacity"] == 2
    assert await billed.members(org_id, "active") == ["a@x.io", "b@x.io"]


async def test_fewer_seats_set_in_the_dashboard_stay_until_the_period_end(
    billed: Billed,
) -> None:
    org_id, sub = await subscribed_org(billed, 3)
    await billed.provision(org_id, "a@x.io", "b@x.io", "c@x.io")

    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 1)
    await billed.deliver()

    seats = await billed.seats(org_id)
    assert seats["capacity"] == 3
    [change] = seats["scheduled_changes"]
    assert change["seat_limit"] == 1
    period_end = datetime.fromtimestamp(billed.item_of(sub)["current_period_end"], UTC)
    assert datetime.fromisoformat(change["effective_at"]) == period_end
    assert len(await billed.alerts(org_id, "downgrade_pending")) == 1

    await billed.fake.advance_to_period_end(sub["id"])
    await billed.deliver()
    assert await billed.members(org_id, "over_limit") == ["b@x.io", "c@x.io"]


async def test_a_legacy_price_counts_through_the_configured_mapping(make_billed: Any) -> None:
    legacy = {"price_2019_team": {"seat_role": "base", "included_seats": 20}}
    billed = await make_billed(stripe_legacy_prices=legacy)
    product = billed.fake.create_product("Team plan (2019)")["id"]
    price = billed.fake.create_price(product, unit_amount=49900)
    billed.fake.store.prices["price_2019_team"] = {
        **billed.fake.store.prices.pop(price["id"]),
        "id": "price_2019_team",
    }
    org = await billed.org()

    await billed.subscribe(org["id"], 1, price={"id": "price_2019_team"})

    assert (await billed.seats(org["id"]))["capacity"] == 20
    status, body = await put_seats(billed, org["id"], 25)
    assert (status, body["error"]) == (422, "no_seat_item")  # a base plan has no seat item


async def test_with_webhooks_arriving_on_their_own_a_change_settles_on_stripes_state(
    billed: Billed,
) -> None:
    """Stripe's webhooks for the gateway's own update race the admin request: both converge."""
    org_id, sub = await subscribed_org(billed, 3)
    billed.fake.auto_deliver = True

    up = await put_seats(billed, org_id, 6)
    down = await put_seats(billed, org_id, 4)
    await billed.fake.settle()

    assert (up[0], down[0]) == (200, 200)
    assert all(d.ok for d in billed.fake.deliveries)
    seats = await billed.seats(org_id)
    assert seats["capacity"] == 6
    assert [c["seat_limit"] for c in seats["scheduled_changes"]] == [4]
    assert billed.item_of(sub)["quantity"] == 4
