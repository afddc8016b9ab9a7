"""A group of 100,000 members, on every engine: membership changes cost in proportion to the
members named, not to the group's size, and the whole membership still reads back exactly.

The users are inserted in bulk at the storage level (100,000 POSTs would test nothing more and
take minutes); the membership goes through the HTTP API, as an identity provider pushes it, in
PATCH batches of 10,000. The single-member removal is timed and reported in the test output.
"""

import time
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from tests.scim.support import BASE, patch_body
from tests.scim.test_groups import create_group
from tests.seats.test_groups import insert_users

SIZE = 100_000
BATCH = 10_000
# Generous against a slow CI machine; measured well under a second on 2 cores.
SINGLE_CHANGE_BUDGET_SECONDS = 2.0


async def test_a_group_of_100_000_members_changes_by_one_in_constant_time(
    client: TestClient,
    org: dict[str, Any],
    scim: dict[str, str],
    database_url: str,
    report: Callable[[str], None],
) -> None:
    async with client.app[DATABASE].transaction() as conn:
        ids = await insert_users(conn, org["id"], SIZE)
    group = await create_group(client, scim, "Everyone")
    url = f"{BASE}/Groups/{group['id']}"
    started = time.perf_counter()
    for start in range(0, SIZE, BATCH):
        batch = [{"value": member_id} for member_id in ids[start : start + BATCH]]
        response = await client.patch(
            url + "?excludedAttributes=members",
            json=patch_body({"op": "add", "path": "members", "value": batch}),
            headers=scim,
        )
        assert response.status == 200, await response.text()
    filled = time.perf_counter() - started

    leaving = ids[SIZE // 2]
    started = time.perf_counter()
    response = await client.patch(
        url + "?excludedAttributes=members",
        json=patch_body({"op": "remove", "path": f'members[value eq "{leaving}"]'}),
        headers=scim,
    )
    removal = time.perf_counter() - started
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert "members" not in body
    assert body["meta"]["version"] == f'W/"{SIZE // BATCH + 2}"'

    started = time.perf_counter()
    response = await client.get(url + "?excludedAttributes=members", headers=scim)
    without_members = time.perf_counter() - started
    assert "members" not in await response.json(content_type=None)

    started = time.perf_counter()
    response = await client.get(url, headers=scim)
    full = await response.json(content_type=None)
    with_members = time.perf_counter() - started
    assert response.status == 200
    assert len(full["members"]) == SIZE - 1
    returned = {entry["value"] for entry in full["members"]}
    assert returned == set(ids) - {leaving}
    assert all(entry["type"] == "User" for entry in full["members"])

    engine = database_url.split("+", 1)[0]
    report(
        f"[large group, {engine}] single-member removal PATCH on {SIZE:,} members: "
        f"{removal * 1000:.0f} ms; fill by {BATCH:,}: {filled:.1f} s; "
        f"GET without members {without_members * 1000:.0f} ms, "
        f"with members {with_members:.2f} s"
    )
    assert removal < SINGLE_CHANGE_BUDGET_SECONDS
