"""Outgoing webhooks: JSON POSTs signed with HMAC-SHA256 over a timestamp and the body.

Header `Seatgate-Signature: t=<unix seconds>,v1=<hex hmac_sha256(secret, f"{t}.{body}")>`;
receivers check it with `verify_signature` (or the few lines in docs/alerts.md) and refuse
stale timestamps, which stops replays. `Seatgate-Delivery` carries the outbox message id, the
same on every retry, so a receiver can drop the rare duplicate after a crash.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from gateway.integrations.delivery import DeliveryError

SIGNATURE_HEADER = "Seatgate-Signature"
DELIVERY_HEADER = "Seatgate-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


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
    """Posts signed JSON with one shared aiohttp session (owned by the caller)."""

    def __init__(self, session: aiohttp.ClientSession, *, timeout_seconds: float = 10.0) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def post(
        self,
        url: str,
        payload: Mapping[str, Any],
        *,
        secret: str | None,
        delivery_id: str,
    ) -> str:
        """POST `payload`; returns the status line for the delivery log, raises DeliveryError."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id}
        if secret:
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
