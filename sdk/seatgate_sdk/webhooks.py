"""Verify an event webhook delivery (Standard Webhooks) and read its event.

Needs the `webhooks` extra (`pip install 'seatgate-sdk[webhooks]'`): the signature scheme is
the `standardwebhooks` package's, not a copy of it. The body must be the raw bytes exactly as
received; a delivery more than 5 minutes old or new is refused (replays by a third party).
"""

from collections.abc import Mapping
from typing import Any

from seatgate_sdk.events import Event


class InvalidWebhook(Exception):
    """Not a genuine delivery from seatgate: answer 400 and do not act on it."""


class WebhookVerifier:
    """One per endpoint secret (`whsec_...`, shown once when the endpoint was created)."""

    def __init__(self, secret: str) -> None:
        try:
            from standardwebhooks import Webhook
        except ImportError:
            raise ImportError(
                "webhook verification needs the standardwebhooks package: "
                "pip install 'seatgate-sdk[webhooks]'"
            ) from None
        self._webhook = Webhook(secret)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Event:
        """The delivered event; InvalidWebhook if the signature, timestamp or body is wrong.
        The `webhook-id` header is the event id, the same on every retry: dedupe by it."""
        from standardwebhooks import WebhookVerificationError

        try:
            payload: Any = self._webhook.verify(body, dict(headers))
            event = Event.from_json(payload)
        except (WebhookVerificationError, ValueError) as error:
            raise InvalidWebhook(str(error)) from None
        lowered = {name.lower(): value for name, value in headers.items()}
        if lowered.get("webhook-id") != event.id:
            raise InvalidWebhook("the webhook-id header does not name the delivered event")
        return event
