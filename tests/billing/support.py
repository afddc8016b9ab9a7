"""What the billing tests share: a gateway wired to the Stripe fake on loopback, and calls that
read like what admins, Stripe and the IdP do.

`Billed` holds the test client, the fake and the app. Webhooks are delivered when a test says so
(`deliver()`), so each scenario decides the order; time is the fake's clock (`now()`), which the
gateway's billing follows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from gateway.stripe.settings import BILLING_OPTIONS, BillingOptions
from gateway.worker import OUTBOX_HANDLERS, DeliveryReport, deliver_due, run_scheduled
from seats.clock import utcnow
from tests.fakes.stripe_fake import StripeFake
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, SEAT, user_payload

SECRET = "whsec_seatgate_test"
API_KEY = "sk_test_seatgate"
ROLE = "seatgate_seat_role"
ORG_META = "seatgate_org_id"
OWNER_META = "seatgate_owner_email"


def fake_now(fake: StripeFake) -> datetime:
    return datetime.fromtimestamp(fake.store.now, UTC)


@dataclass
class Billed:
    client: TestClient
    fake: StripeFake
    app: web.Application

    # -- time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return fake_now(self.fake)

    async def run_scheduled(self) -> int:
        """The worker's periodic step, at the fake's time."""
        return await run_scheduled(self.app[DATABASE], now=self.now())

    async def deliver_outbox(
        self, channel: str, *, later: timedelta = timedelta()
    ) -> DeliveryReport:
        """Deliver due messages of one outbox channel, as the worker would (`later` moves the
        worker's clock past retry backoffs)."""
        handler = self.app[OUTBOX_HANDLERS][channel]
        return await deliver_due(self.app[DATABASE], {channel: handler}, now=utcnow() + later)

    # -- Stripe, outside the app ------------------------------------------------------------

    def seat_price(self, **fields: Any) -> dict[str, Any]:
        return self.fake.create_price(metadata={ROLE: "per_seat"}, **fields)

    async def subscribe(self, org_id: str, quantity: int, **fields: Any) -> dict[str, Any]:
        """A subscription made in the dashboard for `org_id`, its webhooks delivered."""
        price = fields.pop("price", None) or self.seat_price()
        sub = self.fake.create_subscription(
            [(price["id"], quantity)], metadata={ORG_META: org_id}, **fields
        )
        await self.deliver()
        return sub

    async def deliver(self, **options: Any) -> list[Any]:
        deliveries = await self.fake.deliver_pending(**options)
        assert all(d.ok for d in deliveries), deliveries
        return deliveries

    def item_of(self, sub: dict[str, Any]) -> dict[str, Any]:
        return self.fake.item(sub["items"]["data"][0]["id"])

    # -- the admin API ----------------------------------------------------------------------

    async def org(self, **fields: Any) -> dict[str, Any]:
        return await create_org(self.client, **fields)

    async def get(self, path: str) -> dict[str, Any]:
        response = await self.client.get(f"/admin/v1{path}", headers=ADMIN_HEADERS)
        assert response.status == 200, await response.text()
        return await response.json()

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        response = await self.client.request(
            method, f"/admin/v1{path}", json=body, headers=ADMIN_HEADERS
        )
        return response.status, await response.json()

    async def seats(self, org_id: str) -> dict[str, Any]:
        return await self.get(f"/orgs/{org_id}/seats")

    async def alerts(self, org_id: str, kind: str) -> list[dict[str, Any]]:
        return (await self.get(f"/orgs/{org_id}/alerts?kind={kind}"))["data"]

    async def members(self, org_id: str, status: str) -> list[str]:
        found = await self.get(f"/orgs/{org_id}/members?seat_status={status}")
        return sorted(m["user_name"] for m in found["data"])

    # -- the IdP ----------------------------------------------------------------------------

    async def provision(self, org_id: str, *user_names: str) -> list[str]:
        """SCIM-create users; returns their seat statuses. Every one must answer 201."""
        headers = await scim_headers_for(self.client, org_id)
        statuses = []
        for name in user_names:
            response = await self.client.post(
                f"{BASE}/Users", json=user_payload(name), headers=headers
            )
            assert response.status == 201, await response.text()
            statuses.append((await response.json())[SEAT]["seatStatus"])
        return statuses


MakeBilled = Callable[..., Awaitable[Billed]]


@pytest.fixture
async def fake() -> AsyncIterator[StripeFake]:
    async with StripeFake() as fake:
        yield fake


@pytest.fixture
def make_billed(aiohttp_client: Any, settings: Settings, fake: StripeFake) -> MakeBilled:
    """Start a gateway with Stripe configured (settings overridable, e.g. legacy prices)."""

    async def make(**overrides: Any) -> Billed:
        defaults = {
            "stripe_secret_key": API_KEY,
            "stripe_webhook_secret": SECRET,
            "stripe_api_base": fake.base_url,
            "stripe_free_capacity": 0,
        }
        billed_settings = settings.replace(**{**defaults, **overrides})
        app = create_app(billed_settings)
        # No SDK retries: a failure injected by a test is the answer the gateway sees.
        app[BILLING_OPTIONS] = BillingOptions(clock=lambda: fake_now(fake), max_network_retries=0)
        client = await aiohttp_client(app)
        url = str(client.make_url("/billing/stripe/webhook"))
        fake.configure_webhook(url, SECRET, auto_deliver=False)
        return Billed(client, fake, app)

    return make


@pytest.fixture
async def billed(make_billed: MakeBilled) -> Billed:
    return await make_billed()
