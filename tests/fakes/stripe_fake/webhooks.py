"""Signed webhook delivery, as Stripe does it: POST the event JSON with
`Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of f"{t}.{payload}">` under the endpoint secret,
plus the test knobs Stripe lacks: hold, release, reorder, duplicate."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

import aiohttp

Order = Literal["oldest_first", "newest_first"]


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload` (timestamp defaults to now)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def payload_of(event: dict[str, Any]) -> str:
    # Stripe sends pretty-printed JSON; receivers must verify the exact bytes they got.
    return json.dumps(event, indent=2)


@dataclass(frozen=True)
class Delivery:
    event_id: str
    event_type: str
    url: str
    signature: str
    status: int | None  # None: the receiver could not be reached
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Posts events to one endpoint over loopback, with its own aiohttp session."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(
        self,
        event: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Delivery:
        payload = payload_of(event)
        signature = sign(payload, secret or self.secret, timestamp)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(self.url, data=payload.encode(), headers=headers) as r:
                await r.read()
                return Delivery(event["id"], event["type"], self.url, signature, r.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Delivery(event["id"], event["type"], self.url, signature, None, repr(exc))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebhookOutbox:
    """Events waiting for the one configured endpoint, and how they get there.

    Events created while an endpoint is configured are queued (`pending`). With `auto_deliver`
    they are sent in the background as they happen (`settle()` waits for that); otherwise, or
    while `held`, they wait for `deliver_pending()`. A failed delivery stays pending, as Stripe
    keeps retrying it.
    """

    def __init__(self, events: Mapping[str, dict[str, Any]]) -> None:
        self.events = events
        self.pending: list[str] = []  # event ids, oldest first
        self.deliveries: list[Delivery] = []
        self.auto_deliver = False
        self.held = False
        self.sender: WebhookSender | None = None
        self._enabled: tuple[str, ...] = ("*",)
        # One delivery loop at a time keeps the events of one change in emission order.
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def configure(
        self, url: str, secret: str, *, auto_deliver: bool, enabled_events: Sequence[str]
    ) -> None:
        self.sender = WebhookSender(url, secret)
        self._enabled = tuple(enabled_events)
        self.auto_deliver = auto_deliver

    def on_event(self, event: dict[str, Any]) -> None:
        wanted = self.sender is not None and any(
            fnmatchcase(event["type"], p) for p in self._enabled
        )
        event["pending_webhooks"] = 1 if wanted else 0
        if not wanted:
            return
        self.pending.append(event["id"])
        if self.auto_deliver and not self.held:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # seeded outside an event loop: stays pending
            task = loop.create_task(self._deliver_in_background())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def deliver_pending(
        self, *, order: Order = "oldest_first", duplicate: bool = False
    ) -> list[Delivery]:
        async with self._lock:
            batch = list(self.pending) if order == "oldest_first" else self.pending[::-1]
            results = []
            for event_id in batch:
                results += await self._send(event_id, times=2 if duplicate else 1)
            return results

    async def deliver(
        self, event_id: str, *, times: int, timestamp: int | None, secret: str | None
    ) -> list[Delivery]:
        async with self._lock:
            return await self._send(event_id, times=times, timestamp=timestamp, secret=secret)

    async def settle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        if self.sender is not None:
            await self.sender.close()

    async def _send(
        self, event_id: str, *, times: int, timestamp: int | None = None, secret: str | None = None
    ) -> list[Delivery]:
        if self.sender is None:
            raise RuntimeError("configure_webhook() before delivering events")
        results = []
        for _ in range(times):
            delivery = await self.sender.send(
                self.events[event_id], timestamp=timestamp, secret=secret
            )
            self.deliveries.append(delivery)
            results.append(delivery)
        if any(d.ok for d in results) and event_id in self.pending:
            self.pending.remove(event_id)
        return results

    async def _deliver_in_background(self) -> None:
        async with self._lock:
            while self.pending and not self.held:
                results = await self._send(self.pending[0], times=1)
                if not results[-1].ok:
                    return
