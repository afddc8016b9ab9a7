"""Checkout: an org (or the owner of an org not created yet) buys seats at an interval through a
hosted Checkout Session; prices are found by lookup key. An owner-scoped purchase is held until
the owner creates the org, then attached without losing a seat."""

from typing import Any

import pytest

from seats.billing.owner import BILLING_ATTACH
from tests.billing.support import OWNER_META, Billed

URLS = {"success_url": "https://app.example/billing/done", "cancel_url": "https://app.example/"}
LOOKUP_KEYS = {
    "month": "seatgate_seat_monthly",
    "six_months": "seatgate_seat_six_months",
    "year": "seatgate_seat_yearly",
}


@pytest.fixture
def prices(billed: Billed) -> dict[str, dict[str, Any]]:
    """The three seat prices an operator sets up, found by their lookup keys."""
    shapes = {"month": ("month", 1), "six_months": ("month", 6), "year": ("year", 1)}
    return {
        name: billed.seat_price(
            lookup_key=LOOKUP_KEYS[name], interval=shapes[name][0], interval_count=shapes[name][1]
        )
        for name in LOOKUP_KEYS
    }


async def checkout(billed: Billed, org_id: str, **body: Any) -> tuple[int, dict[str, Any]]:
    return await billed.call("POST", f"/orgs/{org_id}/billing/checkout", {**URLS, **body})


async def test_an_org_checkout_buys_the_chosen_seats_and_links_the_subscription(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    org = await billed.org()

    status, session = await checkout(billed, org["id"], seats=12, interval="year")

    assert status == 201, session
    assert session["url"].startswith("https://checkout.stripe.com/")
    [post] = billed.fake.requests("POST", "/v1/checkout/sessions")
    assert post.params["line_items"] == [{"price": prices["year"]["id"], "quantity": "12"}]
    assert post.params["subscription_data"] == {"metadata": {"seatgate_org_id": org["id"]}}

    completed = await billed.fake.complete_checkout(session["id"])
    await billed.deliver()

    assert (await billed.seats(org["id"]))["capacity"] == 12
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert billing["subscription"]["id"] == completed["subscription"]
    assert billing["managed_by"] == "billing"


@pytest.mark.parametrize("interval", ["month", "six_months", "year"])
async def test_each_interval_uses_its_lookup_key(
    billed: Billed, prices: dict[str, dict[str, Any]], interval: str
) -> None:
    org = await billed.org()
    status, _ = await checkout(billed, org["id"], seats=3, interval=interval)
    assert status == 201
    [post] = billed.fake.requests("POST", "/v1/checkout/sessions")
    assert post.params["line_items"][0]["price"] == prices[interval]["id"]


async def test_a_missing_price_is_a_clear_409(billed: Billed) -> None:
    org = await billed.org()
    status, body = await checkout(billed, org["id"], seats=3, interval="year")
    assert (status, body["error"]) == (409, "price_not_configured")
    assert "seatgate_seat_yearly" in body["detail"]


async def test_a_client_retry_with_the_same_idempotency_key_gets_the_same_session(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    org = await billed.org()
    sessions = []
    for _ in range(2):
        response = await billed.client.post(
            f"/admin/v1/orgs/{org['id']}/billing/checkout",
            json={**URLS, "seats": 2},
            headers={"Authorization": "Bearer test-admin-token", "Idempotency-Key": "k-1"},
        )
        sessions.append((await response.json())["id"])
    assert sessions[0] == sessions[1]


@pytest.mark.parametrize(
    "body",
    [
        {"seats": 0},
        {"seats": "3"},
        {"seats": 3, "interval": "week"},
        {"seats": 3, "success_url": "javascript:alert(1)"},
        {"seats": 3, "coupon": "FREE"},
    ],
)
async def test_a_bad_checkout_body_is_a_422(
    billed: Billed, prices: dict[str, dict[str, Any]], body: dict[str, Any]
) -> None:
    org = await billed.org()
    status, answer = await checkout(billed, org["id"], **body)
    assert status == 422, answer
    assert answer["error"] in ("invalid_value", "unknown_field")


async def test_an_org_that_already_pays_changes_seats_instead(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    org = await billed.org()
    await billed.subscribe(org["id"], 4, price=prices["month"])
    status, body = await checkout(billed, org["id"], seats=8)
    assert (status, body["error"]) == (409, "already_subscribed")
    assert "/billing/seats" in body["detail"]


# -- bought before the org exists ------------------------------------------------------------


async def buy_as_owner(billed: Billed, email: str, seats: int) -> str:
    status, session = await billed.call(
        "POST", "/billing/owner-checkout", {**URLS, "owner_email": email, "seats": seats}
    )
    assert status == 201, session
    completed = await billed.fake.complete_checkout(session["id"])
    deliveries = await billed.deliver()
    assert deliveries
    return completed["subscription"]


async def test_a_purchase_before_the_org_exists_is_attached_when_the_owner_creates_it(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    sub_id = await buy_as_owner(billed, "Founder@Example.com", 5)
    assert billed.fake.subscription(sub_id)["metadata"] == {OWNER_META: "Founder@Example.com"}

    org = await billed.org(owner_email="founder@example.com")

    assert org["seat_limit"] == 5
    sub = billed.fake.subscription(sub_id)
    assert sub["metadata"]["seatgate_org_id"] == org["id"]
    customer = billed.fake.store.customers[sub["customer"]]
    assert customer["metadata"]["seatgate_org_id"] == org["id"]
    assert sub["items"]["data"][0]["quantity"] == 5  # the move kept every seat
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert (billing["subscription"]["id"], billing["managed_by"]) == (sub_id, "billing")
    # Stripe's webhooks for the metadata change converge on the same state.
    await billed.deliver()
    assert (await billed.seats(org["id"]))["capacity"] == 5


async def test_an_org_created_while_stripe_is_down_attaches_the_purchase_from_the_outbox(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    sub_id = await buy_as_owner(billed, "owner@example.com", 7)
    billed.fake.fail_next("disconnect", times=10)

    org = await billed.org(owner_email="owner@example.com")  # 201 all the same

    billed.fake.clear_failures()
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert billing["subscription"]["id"] == sub_id  # linked already
    report = await billed.deliver_outbox(BILLING_ATTACH)
    assert report.delivered == 1
    assert (await billed.seats(org["id"]))["capacity"] == 7
    assert billed.fake.subscription(sub_id)["metadata"]["seatgate_org_id"] == org["id"]


async def test_a_held_purchase_can_be_attached_to_an_org_that_already_exists(
    billed: Billed, prices: dict[str, dict[str, Any]]
) -> None:
    org = await billed.org()
    status, body = await billed.call(
        "POST", f"/orgs/{org['id']}/billing/attach", {"owner_email": "late@example.com"}
    )
    assert (status, body["error"]) == (404, "not_found")
    sub_id = await buy_as_owner(billed, "late@example.com", 3)

    status, body = await billed.call(
        "POST", f"/orgs/{org['id']}/billing/attach", {"owner_email": "late@example.com"}
    )

    assert status == 200, body
    assert (body["subscription_id"], body["seat_limit"], body["synced"]) == (sub_id, 3, True)


async def test_an_owner_email_with_nothing_held_creates_a_plain_org(billed: Billed) -> None:
    org = await billed.org(owner_email="nobody@example.com", seat_limit=2)
    assert org["seat_limit"] == 2
    status, body = await billed.call("POST", "/orgs", {"name": "X", "owner_email": "not-an-email"})
    assert (status, body["error"]) == (422, "invalid_value")
