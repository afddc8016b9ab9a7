"""Signing outgoing webhooks, and the alert webhooks' JSON POSTs.

Two schemes (seats.model.WebhookSigning), chosen per org for its alert webhooks:

- `standard` (Standard Webhooks, as the event webhooks are signed: `standard_headers`):
  `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
  "{id}.{timestamp}.{body}">` under a `whsec_` secret; receivers verify with
  `standardwebhooks.Webhook(secret).verify(body, headers)`.
- `legacy` (what alert webhooks were before, for receivers written against it):
  `Seatgate-Signature: t=<unix seconds>,v1=<hex hmac_sha256(secret, f"{t}.{body}")>`, checked
  by `verify_signature`.

Both refuse stale timestamps, which stops replays. An alert's id (`webhook-id`, and
`Seatgate-Delivery` under both schemes) is its outbox message's, the same on every retry, so
a receiver can drop the rare duplicate after a crash.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from standardwebhooks import Webhook

from gateway.integrations.delivery import DeliveryError
from seats.clock import utcnow
from seats.model import WebhookSigning

SIGNATURE_HEADER = "Seatgate-Signature"
DELIVERY_HEADER = "Seatgate-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


def standard_headers(secret: str, msg_id: str, body: str, *, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of message `msg_id` carrying `body`, signed at `at`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value for `body` at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is recent enough."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp=t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class WebhookSender:
    """Posts alert JSON, signed per the org's scheme, with one shared aiohttp session (owned
    by the caller)."""

    def __init__(self, session: aiohttp.ClientSession, *, timeout_seconds: float = 10.0) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def post(
        self,
        url: str,
        payload: Mapping[str, Any],
        *,
        secret: str | None,
        signing: WebhookSigning,
        delivery_id: str,
    ) -> str:
        """POST `payload`; returns the status line for the delivery log, raises DeliveryError."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id}
        if secret and signing is WebhookSigning.STANDARD:
            headers |= standard_headers(secret, delivery_id, body.decode(), at=utcnow())
        elif secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        try:
            async with self.session.post(
                url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            ) as response:
                text = (await response.text(errors="replace"))[:200]
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"webhook unreachable: {exc!r}") from None
        if 200 <= status < 300:
            return f"HTTP {status}"
        # 410 Gone is the receiver saying "stop"; anything else may be a passing outage.
        raise DeliveryError(f"webhook answered HTTP {status}: {text}", permanent=status == 410)
