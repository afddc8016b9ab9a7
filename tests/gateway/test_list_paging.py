"""Every list endpoint of the admin and directory APIs pages the same way: `?after=&limit=`
(1 to 1000, default 100), `{"data": [...], "next_cursor"}` with `next_cursor` null on the last
page, and the same 400 for a malformed cursor or limit. The routes are read from the app's
router, so a list endpoint added later that pages differently fails here."""

import json
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.openapi import routes_of
from tests.auth.conftest import basic, new_product_client
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import create_user
from tests.scim.test_groups import create_group

# GET routes that end in a collection name but answer one object, and the event feed, whose
# next_cursor is on every page by design (docs/directory-api.md).
NOT_LISTS = {
    "/admin/v1/orgs/{org_id}/seats",
    "/admin/v1/orgs/{org_id}/billing",
    "/directory/v1/events",
}


def list_routes(client: TestClient) -> list[str]:
    return sorted(
        route.path
        for route in routes_of(client.app)
        if route.method == "GET"
        and route.path.startswith(("/admin/v1/", "/directory/v1/"))
        and not route.path.endswith("}")
        and route.path not in NOT_LISTS
    )


async def two_of_everything(client: TestClient) -> dict[str, str]:
    """An org with two of each thing its listings list (where two are cheap to make); the
    values its list paths need."""
    await create_org(client, name="Other")
    org = await create_org(client, name="Paged")
    org_id = org["id"]
    scim = await scim_headers_for(client, org_id)
    await scim_headers_for(client, org_id)
    users = [(await create_user(client, scim, f"{n}@example.com"))["id"] for n in ("ann", "bo")]
    group = await create_group(client, scim, "Team", *users)
    await create_group(client, scim, "Other team")
    product = await new_product_client(client, org_id)
    await new_product_client(client, org_id)
    await new_product_client(client, None)
    for body in (
        *({"email": f"{n}@example.com"} for n in ("cy", "di")),
        *({"seat_limit": n, "effective_at": f"2099-01-0{n}T00:00:00Z"} for n in (5, 6)),
    ):
        kind = "invites" if "email" in body else "capacity-changes"
        response = await client.post(
            f"/admin/v1/orgs/{org_id}/{kind}", json=body, headers=ADMIN_HEADERS
        )
        assert response.status == 201, await response.text()
    for n in (1, 2):
        response = await client.post(
            "/admin/v1/event-endpoints",
            json={"url": f"http://127.0.0.1:9/hook{n}", "org_id": org_id},
            headers=ADMIN_HEADERS,
        )
        assert response.status == 201, await response.text()
    return {
        "org_id": org_id,
        "group_id": group["id"],
        "endpoint_id": (await response.json())["id"],
        "product": json.dumps(basic(product["client_id"], product["client_secret"])),
    }


async def get(client: TestClient, path: str, values: dict[str, str], query: str) -> Any:
    url = path.format(**values) + query
    headers = json.loads(values["product"]) if path.startswith("/directory") else ADMIN_HEADERS
    response = await client.get(url, headers=headers)
    return response.status, await response.json()


async def test_every_list_endpoint_pages_with_after_and_limit(client: TestClient) -> None:
    values = await two_of_everything(client)
    paths = list_routes(client)
    assert len(paths) >= 15, paths
    paged = []
    for path in paths:
        status, everything = await get(client, path, values, "?limit=1000")
        assert status == 200, (path, everything)
        assert set(everything) == {"data", "next_cursor"}, path
        assert everything["next_cursor"] is None, path
        seen, query = [], "?limit=1"
        while True:
            status, page = await get(client, path, values, query)
            assert status == 200, (path, page)
            assert set(page) == {"data", "next_cursor"} and len(page["data"]) <= 1, path
            seen += page["data"]
            if page["next_cursor"] is None:
                break
            query = f"?limit=1&after={page['next_cursor']}"
            assert len(seen) <= len(everything["data"]), f"{path} pages past its items"
        assert seen == everything["data"], path
        paged += [path] if len(seen) >= 2 else []
    # Two or more items, so paging really happened, in most listings (the rest: alerts,
    # deliveries, holds, the audit trail, which take more than a request to fill).
    assert len(paged) >= 12, sorted(set(paths) - set(paged))


async def test_every_list_endpoint_refuses_a_bad_cursor_or_limit_alike(
    client: TestClient,
) -> None:
    values = await two_of_everything(client)
    _, orgs = await get(client, "/admin/v1/orgs", values, "?limit=1")
    foreign_cursor = orgs["next_cursor"]  # well formed, but a cursor of another listing
    refusals: dict[str, set[str]] = {}
    for path in list_routes(client):
        foreign = [f"?after={foreign_cursor}"] if path != "/admin/v1/orgs" else []
        for query in ("?after=garbage", *foreign, "?limit=0", "?limit=1001"):
            status, body = await get(client, path, values, query)
            assert status == 400, (path, query, body)
            refusals.setdefault(query, set()).add(json.dumps(body, sort_keys=True))
        status, body = await get(client, path, values, "?colour=red")
        assert (status, body["error"]) == (400, "invalid_request"), path
    # One answer per mistake, whichever listing it was made on.
    assert {query: len(bodies) for query, bodies in refusals.items()} == dict.fromkeys(refusals, 1)
    assert json.loads(refusals["?after=garbage"].pop())["error"] == "invalid_cursor"
