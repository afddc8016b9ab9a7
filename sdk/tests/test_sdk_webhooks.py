"""WebhookVerifier: a delivery signed per Standard Webhooks, as the gateway signs it."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from seatgate_sdk import InvalidWebhook, WebhookVerifier

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
EVENT = {
    "id": "evt_42",
    "type": "member.seat_changed",
    "org_id": "org-1",
    "created_at": "2026-12-04T19:02:11.512000Z",
    "data": {"member_id": "m-1", "seat_status": "over_limit"},
}


def _delivery(
    event: dict[str, object], *, webhook_id: str | None = None, age: timedelta = timedelta(0)
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    sent_at = datetime.now(UTC) - age
    msg_id = webhook_id or str(event["id"])
    signature = Webhook(SECRET).sign(msg_id, sent_at, body)
    headers = {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(sent_at.timestamp())),
        "Webhook-Signature": signature,
    }
    return body, headers


def test_a_genuine_delivery_yields_its_event() -> None:
    event = WebhookVerifier(SECRET).verify(*_delivery(EVENT))
    assert (event.id, event.type, event.data["seat_status"]) == (
        "evt_42",
        "member.seat_changed",
        "over_limit",
    )
    assert event.created_at == datetime(2026, 12, 4, 19, 2, 11, 512000, tzinfo=UTC)


def test_a_tampered_body_another_secret_or_an_old_delivery_is_refused() -> None:
    body, headers = _delivery(EVENT)
    verifier = WebhookVerifier(SECRET)
    with pytest.raises(InvalidWebhook):
        verifier.verify(body.replace(b"over_limit", b"active"), headers)
    with pytest.raises(InvalidWebhook):
        WebhookVerifier("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(body, headers)
    with pytest.raises(InvalidWebhook):
        verifier.verify(*_delivery(EVENT, age=timedelta(minutes=10)))


def test_a_signed_body_that_is_not_the_event_its_id_names_is_refused() -> None:
    with pytest.raises(InvalidWebhook):
        WebhookVerifier(SECRET).verify(*_delivery(EVENT, webhook_id="evt_41"))
    with pytest.raises(InvalidWebhook):
        WebhookVerifier(SECRET).verify(*_delivery({"id": "evt_42"}))
