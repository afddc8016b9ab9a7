"""What the event webhook tests share: admin calls on endpoints, a delivery pass driven with a
chosen clock, reading what a receiver got (event ids, bodies) next to the feed itself, and a
real gateway process to kill."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.event_delivery import EventPoster, PassReport, deliver_events
from gateway.keys import DATABASE
from seats import feed
from seats.event_endpoints import DeliveryPolicy
from tests.gateway.alert_receivers import WebhookSink
from tests.helpers import ADMIN_HEADERS, ADMIN_TOKEN

ENDPOINTS = "/admin/v1/event-endpoints"
# Short waits, so a test moves its clock past a backoff by seconds.
POLICY = DeliveryPolicy(first_retry=timedelta(seconds=1), max_retry=timedelta(seconds=8))


async def create_endpoint(client: TestClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(ENDPOINTS, json={"url": url, **fields}, headers=ADMIN_HEADERS)
    assert response.status == 201, await response.text()
    return await response.json()


async def admin_get(client: TestClient, path: str, **params: Any) -> tuple[int, Any]:
    response = await client.get(f"{ENDPOINTS}{path}", params=params, headers=ADMIN_HEADERS)
    return response.status, await response.json()


async def deliver(
    client: TestClient,
    poster: EventPoster,
    *,
    at: datetime | None = None,
    policy: DeliveryPolicy = POLICY,
) -> PassReport:
    """One delivery pass of the gateway's database, at `at` (now when None)."""
    return await deliver_events(client.app[DATABASE], poster, policy=policy, now=at)


async def feed_events(client: TestClient, *, after: str, **filters: Any) -> list[dict[str, Any]]:
    """The feed after cursor `after`, as the product would read it."""
    async with client.app[DATABASE].read() as conn:
        page = await feed.read_feed(
            conn, after=feed.parse_cursor(after), limit=feed.MAX_PAGE, **filters
        )
    return page.events


def received_ids(hook: WebhookSink) -> list[str]:
    return [call.headers["webhook-id"] for call in hook.calls]


def received_bodies(hook: WebhookSink) -> list[dict[str, Any]]:
    return [call.json for call in hook.calls]


def start_gateway(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """A real `seatgate serve` process with quick polls and retries; its output goes to `log`
    (a pipe nobody reads would fill up and stall it)."""
    env = {
        **os.environ,
        "SEATGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        # The receivers listen on loopback.
        "SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS": "true",
        "SEATGATE_WORKER_POLL_SECONDS": "0.1",
        "SEATGATE_EVENT_DELIVERY_RETRY_SECONDS": "0.2",
        "SEATGATE_EVENT_DELIVERY_MAX_RETRY_SECONDS": "1",
        "SEATGATE_EVENT_DELIVERY_TIMEOUT_SECONDS": "2",
        "SEATGATE_EVENT_DELIVERY_LEASE_SECONDS": "5",
    }
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "serve",
                "--port",
                str(port),
                "--database-url",
                database_url,
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float) -> None:
    """Wait until `check()` is true (polling), or fail after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {within}s")
        await asyncio.sleep(0.05)
