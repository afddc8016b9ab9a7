"""POST /billing/stripe/webhook: signatures, exactly-once events, and events as triggers that
converge on Stripe's current state whatever their order (DESIGN "Billing (Stripe)")."""

import json
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from tests.billing.support import Billed, MakeBilled

WEBHOOK = "/billing/stripe/webhook"


async def post_event(billed: Billed, event_id: str, **sign: object) -> tuple[int, dict]:
    payload = billed.fake.event_payload(event_id)
    response = await billed.client.post(
        WEBHOOK,
        data=payload.encode(),
        headers={"Stripe-Signature": billed.fake.sign(payload, **sign)},  # type: ignore[arg-type]
    )
    return response.status, await response.json()


def subscription_fetches(billed: Billed) -> int:
    return len(billed.fake.requests("GET", "/v1/subscriptions/"))


async def test_a_subscription_event_gives_the_org_its_stripe_capacity(billed: Billed) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 10)

    assert (await billed.seats(org["id"]))["capacity"] == 10
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert billing["managed_by"] == "billing"
    assert billing["subscription"]["id"] == sub["id"]
    assert billing["stripe_capacity"] == 10
    assert billing["last_sync"]["subscription_status"] == "active"
    assert billing["last_sync"]["stripe_capacity"] == 10


async def test_a_bad_missing_or_stale_signature_is_refused_with_a_json_400(
    billed: Billed,
) -> None:
    org = await billed.org()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 3)], metadata={"seatgate_org_id": org["id"]}
    )
    event_id = billed.fake.pending[0]
    payload = billed.fake.event_payload(event_id)
    an_hour_ago = int(datetime.now(UTC).timestamp()) - 3600

    for headers in (
        {"Stripe-Signature": billed.fake.sign(payload, secret="whsec_someone_else")},
        {},
        {"Stripe-Signature": billed.fake.sign(payload, timestamp=an_hour_ago)},
    ):
        response = await billed.client.post(WEBHOOK, data=payload.encode(), headers=headers)
        assert response.status == 400
        body = await response.json()
        assert body["error"] == "invalid_signature" and body["detail"]
    assert (await billed.seats(org["id"]))["capacity"] is None


async def test_a_redelivered_event_is_acknowledged_and_applied_once(billed: Billed) -> None:
    org = await billed.org()
    billed.fake.hold_webhooks()
    sub = billed.fake.create_subscription(
        [(billed.seat_price()["id"], 4)], metadata={"seatgate_org_id": org["id"]}
    )
    created = billed.fake.events("customer.subscription.created")[-1]["id"]

    first = await post_event(billed, created)
    fetches = subscription_fetches(billed)
    second = await post_event(billed, created)

    assert (first[0], first[1]["action"]) == (200, "applied")
    assert second[0] == 200 and second[1]["action"] == "duplicate"
    assert subscription_fetches(billed) == fetches  # no second call to Stripe
    billing = await billed.get(f"/orgs/{org['id']}/billing")
    assert billing["subscription"]["id"] == sub["id"]


async def test_duplicated_out_of_order_events_converge_on_the_current_quantity(
    billed: Billed,
) -> None:
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 10)
    item = billed.item_of(sub)
    billed.fake.hold_webhooks()
    for quantity in (12, 15, 13):
        await billed.fake.set_item_quantity(item["id"], quantity)

    await billed.deliver(order="newest_first", duplicate=True)

    assert (await billed.seats(org["id"]))["capacity"] == 13
    # A late copy of the first change, delivered last, re-fetches and changes nothing.
    oldest_update = billed.fake.events("customer.subscription.updated")[-3]["id"]
    status, body = await post_event(billed, oldest_update)
    assert (status, body["action"]) == (200, "duplicate")
    assert (await billed.seats(org["id"]))["capacity"] == 13


async def test_an_event_replayed_under_a_new_id_still_converges(billed: Billed) -> None:
    """Stripe may resend the same change as a new event (e.g. after an endpoint is re-added)."""
    org = await billed.org()
    sub = await billed.subscribe(org["id"], 10)
    await billed.fake.set_item_quantity(billed.item_of(sub)["id"], 14)
    await billed.deliver()
    stale = billed.fake.events("customer.subscription.created")[-1]
    copy = {**stale, "id": "evt_replayed_copy"}
    billed.fake.store.events[copy["id"]] = copy

    status, body = await post_event(billed, copy["id"])

    assert (status, body["action"]) == (200, "applied")
    assert (await billed.seats(org["id"]))["capacity"] == 14


async def test_events_without_a_subscription_are_recorded_and_ignored(billed: Billed) -> None:
    billed.fake.create_customer("someone@example.com")
    [event_id] = billed.fake.pending

    status, body = await post_event(billed, event_id)

    assert (status, body["type"], body["action"]) == (200, "customer.created", "ignored")
    assert (await post_event(billed, event_id))[1]["action"] == "duplicate"


async def test_a_subscription_naming_no_org_is_ignored(billed: Billed) -> None:
    billed.fake.create_subscription([(billed.seat_price()["id"], 2)])
    event_id = billed.fake.events("customer.subscription.created")[-1]["id"]

    status, body = await post_event(billed, event_id)

    assert (status, body["action"]) == (200, "ignored")


async def test_when_stripe_cannot_be_reached_the_event_is_left_for_stripe_to_retry(
    billed: Billed,
) -> None:
    org = await billed.org()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 7)], metadata={"seatgate_org_id": org["id"]}
    )
    event_id = billed.fake.events("customer.subscription.created")[-1]["id"]
    billed.fake.fail_next("server_error", method="GET", path="/v1/subscriptions/")

    status, body = await post_event(billed, event_id)
    assert (status, body["error"]) == (503, "billing_unavailable")

    status, body = await post_event(billed, event_id)  # Stripe's retry
    assert (status, body["action"]) == (200, "applied")
    assert (await billed.seats(org["id"]))["capacity"] == 7


async def test_the_webhook_is_refused_while_billing_is_off(client: TestClient) -> None:
    response = await client.post(WEBHOOK, data=json.dumps({"id": "evt_1"}))
    body = await response.json()
    assert (response.status, body["error"]) == (503, "billing_disabled")
    assert "SEATGATE_STRIPE_SECRET_KEY" in body["detail"]


async def test_the_webhook_is_refused_without_a_webhook_secret(make_billed: MakeBilled) -> None:
    billed = await make_billed(stripe_webhook_secret=None)
    response = await billed.client.post(WEBHOOK, data=b"{}", headers={"Stripe-Signature": "t=1"})
    body = await response.json()
    assert (response.status, body["error"]) == (503, "billing_disabled")
    assert "SEATGATE_STRIPE_WEBHOOK_SECRET" in body["detail"]
