"""The SMTP wrapper against a real aiosmtpd server: delivery, and the outage it reports."""

import pytest

from gateway.integrations.delivery import DeliveryError
from gateway.integrations.email import EmailSender, SmtpConfig
from tests.gateway.alert_receivers import SmtpSink, free_port


async def test_a_message_reaches_every_recipient_with_its_subject_and_id() -> None:
    sink = SmtpSink().start()
    try:
        sender = EmailSender(SmtpConfig(host="127.0.0.1", port=sink.port, sender="sg@acme.test"))
        detail = await sender.send(
            ["a@acme.test", "b@acme.test"], "Seats", "Body text", message_id="<1@seatgate>"
        )
    finally:
        sink.stop()
    assert "sent to 2 of 2" in detail
    [message] = sink.messages
    assert (message["From"], message["Subject"], message["Message-ID"]) == (
        "sg@acme.test",
        "Seats",
        "<1@seatgate>",
    )
    assert sink.envelopes == [("sg@acme.test", ["a@acme.test", "b@acme.test"])]


async def test_an_unreachable_server_is_a_transient_delivery_error() -> None:
    sender = EmailSender(SmtpConfig(host="127.0.0.1", port=free_port(), timeout_seconds=2))
    with pytest.raises(DeliveryError) as failed:
        await sender.send(["a@acme.test"], "Seats", "Body", message_id="<2@seatgate>")
    assert not failed.value.permanent
