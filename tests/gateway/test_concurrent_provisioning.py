"""The 200-request burst through HTTP: SCIM POSTs into a 50-seat org. On PostgreSQL they are
spread over two gateways (two applications, each with its own engine and pool, sharing the
database, as two `seatgate serve` processes would); SQLite deployments run one gateway."""

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SEAT = "urn:seatgate:params:scim:schemas:extension:seat:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CAPACITY, REQUESTS = 50, 200


async def test_200_concurrent_scim_posts_to_two_gateways_seat_exactly_50(
    aiohttp_client: Any, settings: Settings, report: Callable[[str], None]
) -> None:
    first = await aiohttp_client(create_app(settings))
    sqlite = settings.database_url.startswith("sqlite")
    gateways: list[TestClient] = [
        first,
        first if sqlite else await aiohttp_client(create_app(settings)),
    ]
    org = await create_org(gateways[0], seat_limit=CAPACITY)
    scim = await scim_headers_for(gateways[0], org["id"])

    async def post(i: int) -> dict[str, Any]:
        body = {"schemas": [USER], "userName": f"user{i:03}@acme.test", "active": True}
        response = await gateways[i % 2].post("/scim/v2/Users", json=body, headers=scim)
        assert response.status == 201, await response.text()
        return await response.json(content_type=None)

    started = time.perf_counter()
    users = await asyncio.gather(*(post(i) for i in range(REQUESTS)))
    elapsed = time.perf_counter() - started
    engine = settings.database_url.split(":", 1)[0]
    report(f"[burst] {REQUESTS} concurrent SCIM POSTs on {engine}: {elapsed:.2f}s")

    statuses = [u[SEAT]["seatStatus"] for u in users]
    assert (statuses.count("active"), statuses.count("over_limit")) == (50, 150)
    seats = await (
        await gateways[1].get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
    ).json()
    assert (seats["used"], seats["over_limit"]) == (CAPACITY, REQUESTS - CAPACITY)
    alerts = await (
        await gateways[0].get(f"/admin/v1/orgs/{org['id']}/alerts", headers=ADMIN_HEADERS)
    ).json()
    assert [a["kind"] for a in alerts["data"]] == ["seat_limit_reached"]

    ledger = await (
        await gateways[0].get(f"/admin/v1/orgs/{org['id']}/ledger?limit=500", headers=ADMIN_HEADERS)
    ).json()
    waiting_order = [e["member_id"] for e in ledger["data"] if e["to"] == "over_limit"]
    leaving = [u["id"] for u in users if u[SEAT]["seatStatus"] == "active"][:10]

    async def deactivate(i: int, user_id: str) -> None:
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        response = await gateways[i % 2].patch(f"/scim/v2/Users/{user_id}", json=body, headers=scim)
        assert response.status in (200, 204), await response.text()

    await asyncio.gather(*(deactivate(i, user_id) for i, user_id in enumerate(leaving)))
    ledger = await (
        await gateways[1].get(f"/admin/v1/orgs/{org['id']}/ledger?limit=500", headers=ADMIN_HEADERS)
    ).json()
    promoted = [e["member_id"] for e in ledger["data"] if e["reason"] == "promoted"]
    assert sorted(promoted) == sorted(waiting_order[:10])
