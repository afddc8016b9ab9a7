"""The Stripe fake behaves like Stripe where seatgate's tests rely on it."""

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.stripe_fake import StripeFake
from tests.fakes.stripe_fake.forms import parse_params

KEY = "sk_test_fake"


@pytest.fixture
async def fake() -> AsyncIterator[StripeFake]:
    async with StripeFake() as fake:
        yield fake


@pytest.fixture
async def http(fake: StripeFake) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {KEY}"}
    ) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.request(method, path, **kwargs) as response:
        return response.status, await response.json()


def test_bracket_notation_becomes_nested_objects_and_lists() -> None:
    pairs = [
        ("items[0][price]", "price_a"),
        ("items[0][quantity]", "2"),
        ("items[1][price]", "price_b"),
        ("metadata[seatgate_org_id]", "org_1"),
        ("metadata[gone]", ""),
        ("expand[]", "customer"),
        ("expand[]", "items.data.price.product"),
    ]
    assert parse_params(pairs) == {
        "items": [{"price": "price_a", "quantity": "2"}, {"price": "price_b"}],
        "metadata": {"seatgate_org_id": "org_1", "gone": ""},
        "expand": ["customer", "items.data.price.product"],
    }


async def test_form_encoded_creation_and_expand(http: aiohttp.ClientSession) -> None:
    status, product = await call(
        http, "POST", "/v1/products", data={"name": "Team", "metadata[seatgate_seat_role]": "base"}
    )
    assert status == 200 and product["id"].startswith("prod_")
    form = {
        "product": product["id"],
        "currency": "usd",
        "billing_scheme": "tiered",
        "tiers_mode": "graduated",
        "tiers[0][up_to]": "10",
        "tiers[0][unit_amount]": "1000",
        "tiers[1][up_to]": "inf",
        "tiers[1][unit_amount]": "800",
        "recurring[interval]": "month",
        "recurring[interval_count]": "6",
        "lookup_key": "seats_6m",
    }
    status, price = await call(http, "POST", "/v1/prices", data=form)
    assert status == 200 and "tiers" not in price  # includable: only when expanded
    assert price["recurring"]["interval_count"] == 6

    status, expanded = await call(
        http, "GET", f"/v1/prices/{price['id']}?expand[]=tiers&expand[]=product"
    )
    assert [t["up_to"] for t in expanded["tiers"]] == [10, None]
    assert expanded["product"]["metadata"] == {"seatgate_seat_role": "base"}


async def test_basic_auth_works_and_a_wrong_key_gets_a_401(fake: StripeFake) -> None:
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    async with aiohttp.ClientSession(base_url=fake.base_url) as session:
        ok, _ = await call(
            session, "GET", "/v1/events", headers={"Authorization": f"Basic {basic}"}
        )
        bad, body = await call(
            session, "GET", "/v1/events", headers={"Authorization": "Bearer sk_live_x"}
        )
        missing, _ = await call(session, "GET", "/v1/events")
    assert (ok, bad, missing) == (200, 401, 401)
    assert body["error"]["type"] == "invalid_request_error"


async def test_errors_are_stripe_shaped(http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "GET", "/v1/subscriptions/sub_nope")
    assert status == 404
    assert body["error"] | {"doc_url": None} == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "message": "No such subscription: 'sub_nope'",
        "param": "id",
        "doc_url": None,
    }
    status, body = await call(http, "POST", "/v1/customers", data={"colour": "blue"})
    assert (status, body["error"]["code"]) == (400, "parameter_unknown")
    status, body = await call(http, "GET", "/v1/nothing_here")
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]


async def test_an_idempotency_key_replays_and_refuses_other_parameters(
    fake: StripeFake, http: aiohttp.ClientSession
) -> None:
    headers = {"Idempotency-Key": "same"}
    _, first = await call(http, "POST", "/v1/customers", data={"email": "a@x"}, headers=headers)
    _, again = await call(http, "POST", "/v1/customers", data={"email": "a@x"}, headers=headers)
    status, body = await call(http, "POST", "/v1/customers", data={"email": "b@x"}, headers=headers)
    assert first == again and len(fake.store.customers) == 1
    assert (status, body["error"]["type"]) == (400, "idempotency_error")
    assert [r.replayed for r in fake.requests("POST")] == [False, True, True]


async def test_injected_failures_hit_only_matching_requests(
    fake: StripeFake, http: aiohttp.ClientSession
) -> None:
    fake.fail_next("server_error", method="POST", path="/v1/customers", times=2)
    listed, _ = await call(http, "GET", "/v1/customers/search?query=email:'a'")
    first, body = await call(http, "POST", "/v1/customers", data={})
    second, _ = await call(http, "POST", "/v1/customers", data={})
    third, _ = await call(http, "POST", "/v1/customers", data={})
    assert (listed, first, second, third) == (200, 500, 500, 200)
    assert body["error"]["type"] == "api_error"


# -- subscriptions over time ------------------------------------------------------------------


async def test_a_six_month_price_renews_after_six_months(fake: StripeFake) -> None:
    price = fake.create_price(interval_count=6)
    sub = fake.create_subscription([(price["id"], 4)])
    item = sub["items"]["data"][0]

    await fake.advance_to_period_end(sub["id"])

    renewed = fake.item(item["id"])
    assert renewed["current_period_start"] == item["current_period_end"]
    assert (
        180 * 86400
        <= renewed["current_period_end"] - renewed["current_period_start"]
        <= 184 * 86400
    )
    assert (
        fake.events("invoice.paid")[-1]["data"]["object"]["billing_reason"] == "subscription_cycle"
    )


async def test_a_trial_ends_into_an_active_subscription(fake: StripeFake) -> None:
    price = fake.create_price()
    sub = fake.create_subscription([(price["id"], 1)], trial_period_days=14)
    assert sub["status"] == "trialing"

    await fake.advance_clock(15 * 86400)

    assert fake.subscription(sub["id"])["status"] == "active"


async def test_failed_payments_go_past_due_then_unpaid(fake: StripeFake) -> None:
    price = fake.create_price()
    sub_id = fake.create_subscription([(price["id"], 1)])["id"]

    assert (await fake.fail_payment(sub_id))["status"] == "past_due"
    assert (await fake.fail_payment(sub_id, final=True))["status"] == "unpaid"
    updates = fake.events("customer.subscription.updated")
    assert [e["data"]["previous_attributes"]["status"] for e in updates] == ["active", "past_due"]
    assert len(fake.events("invoice.payment_failed")) == 2
    assert (await fake.recover_payment(sub_id))["status"] == "active"


async def test_cancel_at_period_end_ends_the_subscription_at_the_period_end(
    fake: StripeFake,
) -> None:
    price = fake.create_price()
    sub_id = fake.create_subscription([(price["id"], 1)])["id"]

    pending = await fake.cancel_subscription(sub_id, at_period_end=True)
    assert (pending["status"], pending["cancel_at_period_end"]) == ("active", True)
    await fake.advance_to_period_end(sub_id)

    ended = fake.subscription(sub_id)
    assert ended["status"] == "canceled" and ended["ended_at"] == pending["cancel_at"]
    assert fake.events("customer.subscription.deleted")


async def test_a_dashboard_quantity_edit_reports_the_old_items(fake: StripeFake) -> None:
    price = fake.create_price()
    sub = fake.create_subscription([(price["id"], 3)])

    await fake.set_item_quantity(sub["items"]["data"][0]["id"], 8)

    update = fake.events("customer.subscription.updated")[-1]
    assert update["data"]["object"]["items"]["data"][0]["quantity"] == 8
    assert update["data"]["previous_attributes"]["items"]["data"][0]["quantity"] == 3


# -- webhook delivery -------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook endpoint recording (event id, Stripe-Signature) and answering `status`."""

    got: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200

    @property
    def event_ids(self) -> list[str]:
        return [event_id for event_id, _ in self.got]

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append(((await request.json())["id"], request.headers["Stripe-Signature"]))
        return web.Response(status=self.status)


@pytest.fixture
async def receiver(fake: StripeFake, aiohttp_server: Any) -> Receiver:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = await aiohttp_server(app)
    fake.configure_webhook(str(server.make_url("/hook")), "whsec_x", auto_deliver=False)
    return receiver


async def test_held_events_are_delivered_in_order_duplicated_or_reversed(
    fake: StripeFake, receiver: Receiver
) -> None:
    price = fake.create_price()
    sub = fake.create_subscription([(price["id"], 1)])
    await fake.set_item_quantity(sub["items"]["data"][0]["id"], 2)
    ids = fake.pending[:]
    assert len(ids) >= 3 and receiver.got == []

    await fake.deliver_pending(order="newest_first", duplicate=True)

    assert receiver.event_ids == [i for i in reversed(ids) for _ in range(2)]
    assert fake.pending == []
    assert all(sig.startswith("t=") and ",v1=" in sig for _, sig in receiver.got)


async def test_a_failed_delivery_stays_pending(fake: StripeFake, receiver: Receiver) -> None:
    receiver.status = 500
    customer = fake.create_customer()

    [delivery] = await fake.deliver_pending()

    assert delivery.status == 500 and not delivery.ok
    assert fake.pending == [fake.events("customer.created")[-1]["id"]]
    assert fake.events()[-1]["data"]["object"]["id"] == customer["id"]


async def test_auto_delivery_sends_events_of_api_calls(
    fake: StripeFake, receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    fake.auto_deliver = True
    await call(http, "POST", "/v1/customers", data={"email": "a@x"})
    await fake.settle()

    assert receiver.event_ids == [fake.events("customer.created")[-1]["id"]]
    assert fake.events()[-1]["request"]["id"].startswith("req_")
