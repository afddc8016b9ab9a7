"""What the event webhook tests share: admin calls on endpoints, a delivery pass driven with a
chosen clock, and reading what a receiver got (event ids, bodies) next to the feed itself."""

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.event_delivery import EventPoster, PassReport, deliver_events
from gateway.keys import DATABASE
from seats import feed
from seats.event_endpoints import DeliveryPolicy
from tests.gateway.alert_receivers import WebhookSink
from tests.helpers import ADMIN_HEADERS

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
