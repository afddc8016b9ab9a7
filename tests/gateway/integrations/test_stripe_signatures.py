"""Stripe-Signature timestamps: the tolerance holds both ways. Stripe's SDK refuses a signature
older than the tolerance but takes one from any time ahead; seatgate refuses that too, so a
signed request made with a skewed or forged clock cannot be held and replayed later."""

import json
import time

import pytest

from gateway.stripe.signatures import InvalidWebhook, NotAnEvent, verify_webhook
from tests.billing.support import Billed
from tests.fakes.stripe_fake import sign

SECRET = "whsec_signatures"
NOW = 1_750_000_000.0
EVENT = json.dumps({"id": "evt_1", "type": "customer.updated", "data": {"object": {}}})


def test_a_signature_from_a_day_ahead_is_refused() -> None:
    header = sign(EVENT, SECRET, int(NOW) + 86_400)

    with pytest.raises(InvalidWebhook, match="in the future"):
        verify_webhook(EVENT, header, SECRET, now=NOW)


def test_a_signature_just_past_the_tolerance_ahead_is_refused_and_one_within_it_is_taken() -> None:
    ahead = sign(EVENT, SECRET, int(NOW) + 301)
    slightly_ahead = sign(EVENT, SECRET, int(NOW) + 299)

    with pytest.raises(InvalidWebhook, match="more than 300 s in the future"):
        verify_webhook(EVENT, ahead, SECRET, now=NOW)
    assert verify_webhook(EVENT, slightly_ahead, SECRET, now=NOW).event_id == "evt_1"


def test_the_configured_tolerance_applies_ahead_too() -> None:
    header = sign(EVENT, SECRET, int(NOW) + 3600)

    with pytest.raises(InvalidWebhook):
        verify_webhook(EVENT, header, SECRET, now=NOW, tolerance_seconds=600)
    verified = verify_webhook(EVENT, header, SECRET, now=NOW, tolerance_seconds=7200)
    assert verified.event_type == "customer.updated"


def test_a_future_signature_over_a_body_that_is_not_an_event_is_refused_for_its_time() -> None:
    header = sign("[]", SECRET, int(NOW) + 86_400)

    with pytest.raises(InvalidWebhook) as refused:
        verify_webhook("[]", header, SECRET, now=NOW)
    assert not isinstance(refused.value, NotAnEvent)


async def test_the_webhook_endpoint_answers_a_future_signature_with_400(billed: Billed) -> None:
    org = await billed.org()
    billed.fake.create_subscription(
        [(billed.seat_price()["id"], 3)], metadata={"seatgate_org_id": org["id"]}
    )
    payload = billed.fake.event_payload(billed.fake.pending[0])
    tomorrow = int(time.time()) + 86_400

    response = await billed.client.post(
        "/billing/stripe/webhook",
        data=payload.encode(),
        headers={"Stripe-Signature": billed.fake.sign(payload, timestamp=tomorrow)},
    )

    body = await response.json()
    assert (response.status, body["error"]) == (400, "invalid_signature")
    assert "in the future" in body["detail"]
    assert (await billed.seats(org["id"]))["capacity"] is None
