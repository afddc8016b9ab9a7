"""The Stripe adapter, through the real SDK over HTTP, against the Stripe fake on loopback."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from gateway.stripe.client import StripeBilling
from gateway.stripe.mapping import QuantityStep, plan_quantity_change
from gateway.stripe.signatures import InvalidWebhook, VerifiedWebhook, verify_webhook
from seats.billing import (
    BillingRejected,
    BillingUnavailable,
    CheckoutLine,
    Effective,
    SeatRole,
    SubscriptionSnapshot,
    capacity_from_subscription,
)
from tests.fakes.stripe_fake import StripeFake, sign

ROLE, INCLUDED, ORG = "seatgate_seat_role", "seatgate_included_seats", "seatgate_org_id"


@pytest.fixture
async def fake() -> AsyncIterator[StripeFake]:
    async with StripeFake() as fake:
        yield fake


def make_billing(fake: StripeFake, *, max_network_retries: int = 0) -> StripeBilling:
    assert fake.base_url is not None
    return StripeBilling(
        "sk_test_seatgate",
        api_base=fake.base_url,
        max_network_retries=max_network_retries,
        # The adapter judges "paid until" against Stripe's clock, which tests move.
        clock=lambda: fake_now(fake),
    )


@pytest.fixture
async def billing(fake: StripeFake) -> AsyncIterator[StripeBilling]:
    billing = make_billing(fake)
    yield billing
    await billing.close()


def fake_now(fake: StripeFake) -> datetime:
    return datetime.fromtimestamp(fake.store.now, UTC)


def capacity(fake: StripeFake, snapshot: SubscriptionSnapshot | None) -> int | None:
    return capacity_from_subscription(
        snapshot, legacy_prices={}, free_capacity=1, now=fake_now(fake)
    )


def per_seat_subscription(fake: StripeFake, quantity: int = 10) -> tuple[str, str]:
    price = fake.create_price(metadata={ROLE: "per_seat"})
    sub = fake.create_subscription([(price["id"], quantity)], metadata={ORG: "org_1"})
    return sub["id"], sub["items"]["data"][0]["id"]


# -- reading subscriptions -------------------------------------------------------------------


async def test_a_multi_item_subscription_becomes_a_snapshot_with_resolved_seat_roles(
    fake: StripeFake, billing: StripeBilling
) -> None:
    base = fake.create_price(
        unit_amount=9900, product_metadata={ROLE: "base", INCLUDED: "5"}
    )  # role on the product only
    seats = fake.create_price(
        metadata={ROLE: "per_seat"},
        tiers_mode="graduated",
        tiers=[(10, 1200, None), (None, 900, None)],
        interval_count=6,
    )
    addon = fake.create_price(unit_amount=1500, metadata={ROLE: "addon"})
    support = fake.create_price(unit_amount=20000)
    sub = fake.create_subscription(
        [(base["id"], 1), (seats["id"], 12), (addon["id"], 3), (support["id"], 1)],
        metadata={ORG: "org_42"},
    )

    snapshot = await billing.fetch_subscription(sub["id"])

    assert (snapshot.id, snapshot.status, snapshot.org_id) == (sub["id"], "active", "org_42")
    assert snapshot.customer_id == sub["customer"]
    assert [(i.price_id, i.seat_role, i.quantity, i.included_seats) for i in snapshot.items] == [
        (base["id"], SeatRole.BASE, 1, 5),
        (seats["id"], SeatRole.PER_SEAT, 12, None),
        (addon["id"], SeatRole.ADDON, 3, None),
        (support["id"], None, 1, None),
    ]
    assert snapshot.items[0].product_id == base["product"]
    # Periods live on the items; the snapshot's is the first to end (monthly, not 6-monthly).
    monthly, six_monthly = (item.current_period_end for item in snapshot.items[:2])
    assert monthly is not None and six_monthly is not None and monthly < six_monthly
    assert snapshot.current_period_end == monthly
    assert capacity(fake, snapshot) == 5 + 12 + 3


async def test_items_beyond_the_embedded_first_page_are_fetched(
    fake: StripeFake, billing: StripeBilling
) -> None:
    prices = [fake.create_price(metadata={ROLE: "addon"}) for _ in range(12)]
    sub = fake.create_subscription([(p["id"], 1) for p in prices])
    assert sub["items"]["has_more"] is True

    snapshot = await billing.fetch_subscription(sub["id"])

    assert [i.price_id for i in snapshot.items] == [p["id"] for p in prices]
    assert capacity(fake, snapshot) == 12
    assert fake.requests("GET", "/v1/subscription_items")


async def test_the_org_falls_back_to_the_customers_metadata(
    fake: StripeFake, billing: StripeBilling
) -> None:
    price = fake.create_price(metadata={ROLE: "per_seat"})
    sub = fake.create_subscription([(price["id"], 2)], customer_metadata={ORG: "org_7"})

    assert (await billing.fetch_subscription(sub["id"])).org_id == "org_7"


async def test_an_unknown_subscription_is_rejected_with_stripes_message(
    billing: StripeBilling,
) -> None:
    with pytest.raises(BillingRejected) as caught:
        await billing.fetch_subscription("sub_missing")
    assert caught.value.code == "resource_missing"
    assert "No such subscription: 'sub_missing'" in caught.value.message


async def test_finding_an_orgs_subscription_prefers_a_live_one(
    fake: StripeFake, billing: StripeBilling
) -> None:
    price = fake.create_price(metadata={ROLE: "per_seat"})
    live = fake.create_subscription([(price["id"], 5)], metadata={ORG: "org_1"})
    ended = fake.create_subscription([(price["id"], 9)], metadata={ORG: "org_1"})
    await fake.cancel_subscription(ended["id"])
    fake.create_subscription([(price["id"], 3)], metadata={ORG: "org_other"})

    found = await billing.find_subscription_for_org("org_1")

    assert found is not None and found.id == live["id"]
    assert await billing.find_subscription_for_org("org_nobody") is None


# -- pushing seat changes --------------------------------------------------------------------


async def test_setting_a_quantity_now_sends_the_key_and_prorates(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)

    await billing.set_seat_quantity(sub_id, item_id, 11, idempotency_key="push-1", effective="now")

    [post] = fake.requests("POST", "/v1/subscription_items")
    assert post.idempotency_key == "push-1"
    assert post.params == {"quantity": "11", "proration_behavior": "create_prorations"}
    assert fake.item(item_id)["quantity"] == 11
    assert [(p["from_quantity"], p["to_quantity"]) for p in fake.prorations] == [(10, 11)]


async def test_repeating_a_push_with_the_same_key_applies_it_once(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)

    for _ in range(2):
        await billing.set_seat_quantity(sub_id, item_id, 11, idempotency_key="k", effective="now")

    assert len(fake.requests("POST", "/v1/subscription_items")) == 1
    assert len(fake.prorations) == 1


async def test_a_lost_response_is_retried_with_the_same_key_and_applied_once(
    fake: StripeFake,
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)
    fake.fail_next("drop_response", method="POST", path="/v1/subscription_items")
    billing = make_billing(fake, max_network_retries=1)
    try:
        await billing.set_seat_quantity(sub_id, item_id, 12, idempotency_key="k", effective="now")
    finally:
        await billing.close()

    first, retry = fake.requests("POST", "/v1/subscription_items")
    assert first.idempotency_key == retry.idempotency_key == "k"
    assert (first.failure, retry.replayed) == ("drop_response", True)
    assert [(p["from_quantity"], p["to_quantity"]) for p in fake.prorations] == [(10, 12)]


async def test_a_period_end_decrease_keeps_the_paid_seats_until_the_period_ends(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)

    await billing.set_seat_quantity(sub_id, item_id, 6, idempotency_key="d", effective="period_end")

    [post] = fake.requests("POST", "/v1/subscription_items")
    assert post.params["proration_behavior"] == "none"
    assert fake.prorations == []
    assert capacity(fake, await billing.fetch_subscription(sub_id)) == 10
    await fake.advance_to_period_end(sub_id)
    assert capacity(fake, await billing.fetch_subscription(sub_id)) == 6


async def test_growing_back_within_the_paid_seats_is_free_and_beyond_them_prorated(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)
    await billing.set_seat_quantity(sub_id, item_id, 6, idempotency_key="d", effective="period_end")

    await billing.set_seat_quantity(sub_id, item_id, 12, idempotency_key="g", effective="now")

    posts = fake.requests("POST", "/v1/subscription_items")[1:]
    assert [
        (p.idempotency_key, p.params["quantity"], p.params["proration_behavior"]) for p in posts
    ] == [
        ("g.restore", "10", "none"),
        ("g", "12", "create_prorations"),
    ]
    assert [(p["from_quantity"], p["to_quantity"]) for p in fake.prorations] == [(10, 12)]
    assert capacity(fake, await billing.fetch_subscription(sub_id)) == 12


async def test_an_item_of_another_subscription_is_rejected(
    fake: StripeFake, billing: StripeBilling
) -> None:
    _, item_id = per_seat_subscription(fake)
    other_id, _ = per_seat_subscription(fake)

    with pytest.raises(BillingRejected):
        await billing.set_seat_quantity(other_id, item_id, 3, idempotency_key="x", effective="now")


PAID = {"seatgate_paid_quantity": "10", "seatgate_paid_until": "2000"}
CLEAR = {"seatgate_paid_quantity": "", "seatgate_paid_until": ""}


@pytest.mark.parametrize(
    ("current", "metadata", "target", "effective", "steps"),
    [
        pytest.param(5, {}, 5, "now", [], id="same quantity: nothing to send"),
        pytest.param(
            5, {}, 6, "period_end", [QuantityStep(6, "create_prorations")], id="increases apply now"
        ),
        pytest.param(
            10,
            {},
            6,
            "period_end",
            [
                QuantityStep(
                    6, "none", {"seatgate_paid_quantity": "10", "seatgate_paid_until": "1500"}
                )
            ],
            id="period-end decrease records the paid quantity",
        ),
        pytest.param(
            6,
            PAID,
            4,
            "now",
            [QuantityStep(4, "create_prorations", CLEAR)],
            id="now decrease clears the record",
        ),
        pytest.param(
            6, PAID, 9, "now", [QuantityStep(9, "none")], id="regrowth within paid seats is free"
        ),
        pytest.param(
            6,
            PAID,
            4,
            "period_end",
            [
                QuantityStep(
                    4, "none", {"seatgate_paid_quantity": "10", "seatgate_paid_until": "1500"}
                )
            ],
            id="a second period-end decrease keeps the higher paid quantity",
        ),
        pytest.param(
            6,
            {"seatgate_paid_quantity": "10", "seatgate_paid_until": "900"},
            9,
            "now",
            [QuantityStep(9, "create_prorations", CLEAR)],
            id="an expired record is cleared and no longer free",
        ),
    ],
)
def test_quantity_change_plans(
    current: int,
    metadata: dict[str, str],
    target: int,
    effective: Effective,
    steps: list[QuantityStep],
) -> None:
    plan = plan_quantity_change(
        current=current,
        item_metadata=metadata,
        period_end=1500,
        target=target,
        effective=effective,
        now=1000,
    )
    assert plan == steps


# -- failures --------------------------------------------------------------------------------


async def test_a_stripe_server_error_is_billing_unavailable_and_changes_nothing(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)
    fake.fail_next("server_error", method="POST")

    with pytest.raises(BillingUnavailable):
        await billing.set_seat_quantity(sub_id, item_id, 11, idempotency_key="k", effective="now")
    assert fake.item(item_id)["quantity"] == 10


async def test_an_unreachable_stripe_is_billing_unavailable(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, _ = per_seat_subscription(fake)
    # aiohttp transparently retries an idempotent request once on a dropped keep-alive
    # connection, so "unreachable" has to drop more than one attempt.
    fake.fail_next("disconnect", times=5)

    with pytest.raises(BillingUnavailable):
        await billing.fetch_subscription(sub_id)


async def test_the_sdk_retries_a_server_error_with_the_same_key(fake: StripeFake) -> None:
    sub_id, item_id = per_seat_subscription(fake, 10)
    fake.fail_next("server_error", method="POST")
    billing = make_billing(fake, max_network_retries=1)
    try:
        await billing.set_seat_quantity(sub_id, item_id, 11, idempotency_key="k", effective="now")
    finally:
        await billing.close()

    assert [(r.status, r.idempotency_key) for r in fake.requests("POST")] == [
        (500, "k"),
        (200, "k"),
    ]
    assert fake.item(item_id)["quantity"] == 11


async def test_an_invalid_request_is_rejected_with_stripes_message(
    fake: StripeFake, billing: StripeBilling
) -> None:
    sub_id, _ = per_seat_subscription(fake)

    with pytest.raises(BillingRejected) as caught:
        await billing.set_seat_quantity(
            sub_id, "si_missing", 3, idempotency_key="k", effective="now"
        )
    assert caught.value.message == "No such subscription item: 'si_missing'"


async def test_a_declined_card_is_rejected(fake: StripeFake, billing: StripeBilling) -> None:
    sub_id, item_id = per_seat_subscription(fake)
    fake.fail_next("card_declined", method="POST")

    with pytest.raises(BillingRejected) as caught:
        await billing.set_seat_quantity(sub_id, item_id, 20, idempotency_key="k", effective="now")
    assert caught.value.code == "card_declined"


async def test_a_wrong_api_key_is_billing_unavailable(fake: StripeFake) -> None:
    billing = StripeBilling("sk_live_wrong", api_base=fake.base_url, max_network_retries=0)
    try:
        with pytest.raises(BillingUnavailable, match="API key"):
            await billing.fetch_subscription("sub_1")
    finally:
        await billing.close()


# -- checkout --------------------------------------------------------------------------------


async def test_a_checkout_for_an_org_creates_a_tagged_subscription_on_completion(
    fake: StripeFake, billing: StripeBilling
) -> None:
    price = fake.create_price(metadata={ROLE: "per_seat"})

    session = await billing.create_checkout_session(
        lines=[CheckoutLine(price["id"], 15)],
        success_url="https://app.example/billing/done",
        cancel_url="https://app.example/billing",
        idempotency_key="checkout-1",
        org_id="org_9",
    )

    assert session.url.startswith("https://checkout.stripe.com/")
    [post] = fake.requests("POST", "/v1/checkout/sessions")
    assert post.idempotency_key == "checkout-1"
    assert post.params["subscription_data"] == {"metadata": {ORG: "org_9"}}
    completed = await fake.complete_checkout(session.id)
    assert [e["type"] for e in fake.events("c*")][-3:] == [
        "customer.created",
        "customer.subscription.created",
        "checkout.session.completed",
    ]
    found = await billing.find_subscription_for_org("org_9")
    assert found is not None and found.id == completed["subscription"]
    assert capacity(fake, found) == 15


async def test_an_owner_scoped_purchase_is_attached_to_its_org_later(
    fake: StripeFake, billing: StripeBilling
) -> None:
    price = fake.create_price(metadata={ROLE: "per_seat"})
    session = await billing.create_checkout_session(
        lines=[CheckoutLine(price["id"], 5)],
        success_url="https://app.example/done",
        cancel_url="https://app.example/",
        idempotency_key="checkout-2",
        owner_email="founder@example.com",
    )
    assert fake.checkout_session(session.id)["customer_email"] == "founder@example.com"
    sub_id = (await fake.complete_checkout(session.id))["subscription"]
    snapshot = await billing.fetch_subscription(sub_id)
    assert (snapshot.org_id, snapshot.owner_email) == (None, "founder@example.com")

    await billing.attach_to_org(sub_id, "org_new", idempotency_key="attach-1")

    assert (await billing.fetch_subscription(sub_id)).org_id == "org_new"
    customer = fake.store.customers[snapshot.customer_id]
    assert customer["metadata"][ORG] == "org_new"


# -- webhooks --------------------------------------------------------------------------------

SECRET = "whsec_test_secret"


async def test_a_webhook_signed_by_stripe_is_verified_and_names_its_subscription(
    fake: StripeFake,
) -> None:
    sub_id, _ = per_seat_subscription(fake)
    fake.configure_webhook("http://127.0.0.1:9/unused", SECRET, auto_deliver=False)
    await fake.fail_payment(sub_id)
    [failed] = fake.events("invoice.payment_failed")[-1:]
    payload = fake.event_payload(failed["id"])

    verified = verify_webhook(payload.encode(), fake.sign(payload), SECRET)

    assert (verified.event_id, verified.event_type) == (failed["id"], "invoice.payment_failed")
    assert verified.subscription_id == sub_id
    assert verified.object_id == failed["data"]["object"]["id"]


async def test_a_delivered_webhook_verifies_at_the_receiver(
    fake: StripeFake, aiohttp_server: AiohttpServer
) -> None:
    received: list[VerifiedWebhook] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        received.append(verify_webhook(body, request.headers.get("Stripe-Signature"), SECRET))
        return web.Response()

    app = web.Application()
    app.router.add_post("/billing/stripe/webhook", receive)
    server = await aiohttp_server(app)
    sub_id, _ = per_seat_subscription(fake)
    fake.configure_webhook(str(server.make_url("/billing/stripe/webhook")), SECRET)

    await fake.cancel_subscription(sub_id)

    assert [(w.event_type, w.subscription_id) for w in received] == [
        ("customer.subscription.deleted", sub_id)
    ]


async def test_a_webhook_with_a_bad_signature_is_refused(fake: StripeFake) -> None:
    per_seat_subscription(fake)
    event = fake.events("customer.subscription.created")[-1]
    payload = fake.event_payload(event["id"])

    with pytest.raises(InvalidWebhook):
        verify_webhook(payload, fake.sign(payload, secret="whsec_other"), SECRET)
    with pytest.raises(InvalidWebhook):
        verify_webhook(payload + " ", fake.sign(payload, secret=SECRET), SECRET)
    with pytest.raises(InvalidWebhook):
        verify_webhook(payload, None, SECRET)


async def test_a_stale_webhook_is_refused_within_the_configured_tolerance(
    fake: StripeFake,
) -> None:
    per_seat_subscription(fake)
    payload = fake.event_payload(fake.events("customer.subscription.created")[-1]["id"])
    an_hour_ago = int(datetime.now(UTC).timestamp()) - 3600
    header = fake.sign(payload, secret=SECRET, timestamp=an_hour_ago)

    with pytest.raises(InvalidWebhook, match="tolerance"):
        verify_webhook(payload, header, SECRET)
    assert verify_webhook(payload, header, SECRET, tolerance_seconds=7200).event_type == (
        "customer.subscription.created"
    )


def test_a_signed_body_that_is_not_an_event_is_refused() -> None:
    with pytest.raises(InvalidWebhook):
        verify_webhook("not json", sign("not json", SECRET), SECRET)
