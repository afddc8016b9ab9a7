"""The feed never skips: a product polling while two gateway processes commit changes
concurrently ends with every event exactly once, and each org's events in commit order.

On PostgreSQL a sequence value is taken before commit, so positions could become visible out of
order; seatgate hands out positions in commit order (seats/storage/event_store.py), and this is
the test that would catch a reader moving its cursor past an event still being committed.
"""

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.auth.conftest import basic, new_product_client
from tests.gateway.events_support import feed_page, read_all
from tests.gateway.gateway_process import gateway_process
from tests.helpers import create_org, scim_headers_for

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SEAT_LIMIT, USERS_PER_ORG = 5, 60


async def test_a_poller_sees_every_event_once_while_two_gateways_write(
    aiohttp_client: Any, settings: Settings
) -> None:
    here: TestClient = await aiohttp_client(create_app(settings))
    orgs = [await create_org(here, name=name, seat_limit=SEAT_LIMIT) for name in ("A", "B")]
    scim = {org["id"]: await scim_headers_for(here, org["id"]) for org in orgs}
    credentials = await new_product_client(here)
    product = basic(credentials["client_id"], credentials["client_secret"])
    _, start = await feed_page(here, product)
    start_cursor = start["next_cursor"]

    async with (
        gateway_process(settings.database_url) as (there, _),
        aiohttp.ClientSession() as session,
    ):
        writes_done = asyncio.Event()

        async def provision(i: int) -> None:
            org_id = orgs[i % 2]["id"]
            body = {"schemas": [USER], "userName": f"user{i:03}@example.test"}
            if i % 4 < 2:
                response = await here.post("/scim/v2/Users", json=body, headers=scim[org_id])
            else:
                response = await session.post(
                    f"{there}/scim/v2/Users", json=body, headers=scim[org_id]
                )
            assert response.status == 201, await response.text()

        async def write_everything() -> None:
            await asyncio.gather(*(provision(i) for i in range(2 * USERS_PER_ORG)))
            writes_done.set()

        async def poll() -> list[dict[str, Any]]:
            seen: list[dict[str, Any]] = []
            cursor = start_cursor
            while True:
                finished = writes_done.is_set()
                status, page = await feed_page(here, product, after=cursor, limit=7)
                assert status == 200, page
                seen += page["data"]
                cursor = page["next_cursor"]
                if finished and not page["data"]:
                    return seen

        _, polled = await asyncio.gather(write_everything(), poll())

    truth, _ = await read_all(here, product, after=start_cursor)
    assert [e["id"] for e in polled] == [e["id"] for e in truth]
    assert len({e["id"] for e in polled}) == len(polled)
    created = [e for e in truth if e["type"] == "member.created"]
    assert len(created) == 2 * USERS_PER_ORG
    for org in orgs:
        # Commit order per org: the first SEAT_LIMIT members to be seated come first in the
        # feed, every later one waits over the limit.
        seats = [
            e["data"]["seat_status"]
            for e in truth
            if e["org_id"] == org["id"] and e["type"] == "member.seat_changed"
        ]
        assert seats == ["active"] * SEAT_LIMIT + ["over_limit"] * (USERS_PER_ORG - SEAT_LIMIT)
