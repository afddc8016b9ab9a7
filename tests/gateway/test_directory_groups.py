"""The directory API's groups: groups paged in creation order, one group by id, and a group's
members paged by member id, so that even a large group is read a page at a time."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from tests.gateway.test_directory import every_page, get, product_headers
from tests.scim.support import BASE, create_user, patch_body
from tests.scim.test_groups import create_group
from tests.seats.test_groups import insert_users


async def test_groups_are_paged_in_creation_order_and_read_by_id(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    created = [await create_group(client, scim, f"Team {n}") for n in range(5)]
    headers = await product_headers(client, org["id"])

    pages = await every_page(client, f"/orgs/{org['id']}/groups", headers, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [g["id"] for page in pages for g in page] == [g["id"] for g in created]

    status, group = await get(client, f"/orgs/{org['id']}/groups/{created[0]['id']}", headers)
    assert status == 200
    assert group == {
        "id": created[0]["id"],
        "display_name": "Team 0",
        "external_id": None,
        "created_at": group["created_at"],
        "updated_at": group["updated_at"],
    }
    assert pages[0][0] == group


async def test_a_group_lists_its_users_with_seat_status_and_its_nested_groups_by_name(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    ada = await create_user(client, scim, "ada@example.com")
    nested = await create_group(client, scim, "Admins")
    group = await create_group(client, scim, "Everyone", ada["id"], nested["id"])
    headers = await product_headers(client, org["id"])

    status, body = await get(client, f"/orgs/{org['id']}/groups/{group['id']}/members", headers)
    assert status == 200
    expected = [
        {"type": "user", "id": ada["id"], "user_name": "ada@example.com", "seat_status": "active"},
        {"type": "group", "id": nested["id"], "display_name": "Admins"},
    ]
    assert body == {
        "data": sorted(expected, key=lambda entry: entry["id"]),
        "next_cursor": None,
    }
    status, empty = await get(client, f"/orgs/{org['id']}/groups/{nested['id']}/members", headers)
    assert (status, empty) == (200, {"data": [], "next_cursor": None})


async def test_a_group_of_2500_members_reads_in_pages_of_1000_each_member_once(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    async with client.app[DATABASE].transaction() as conn:
        ids = await insert_users(conn, org["id"], 2500)
    group = await create_group(client, scim, "Everyone")
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}?excludedAttributes=members",
        json=patch_body({"op": "add", "path": "members", "value": [{"value": i} for i in ids]}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    headers = await product_headers(client, org["id"])

    pages = await every_page(
        client, f"/orgs/{org['id']}/groups/{group['id']}/members", headers, limit=1000
    )
    assert [len(page) for page in pages] == [1000, 1000, 500]
    seen = [entry["id"] for page in pages for entry in page]
    assert seen == sorted(ids)
    assert {entry["type"] for page in pages for entry in page} == {"user"}


async def test_a_members_cursor_is_refused_by_the_groups_listing_and_the_reverse(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    users = [(await create_user(client, scim, f"u{n}@example.com"))["id"] for n in range(2)]
    group = await create_group(client, scim, "Everyone", *users)
    await create_group(client, scim, "Second")
    headers = await product_headers(client, org["id"])
    members_path = f"/orgs/{org['id']}/groups/{group['id']}/members"
    _, members = await get(client, members_path, headers, limit=1)
    _, groups = await get(client, f"/orgs/{org['id']}/groups", headers, limit=1)

    status, body = await get(
        client, f"/orgs/{org['id']}/groups", headers, after=members["next_cursor"]
    )
    assert (status, body["error"]) == (400, "invalid_cursor")
    status, body = await get(client, members_path, headers, after=groups["next_cursor"])
    assert (status, body["error"]) == (400, "invalid_cursor")
    status, body = await get(client, members_path, headers, limit="1000x")
    assert (status, body["error"]) == (400, "invalid_request")
