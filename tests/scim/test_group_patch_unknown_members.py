"""PATCH /Groups/{id} naming member ids that exist nowhere in the org: the unknown ids are
skipped and the rest of the operation applies (scim-sanity's PATCH /Groups check), while
POST and PUT keep refusing them (400 invalidValue)."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, patch_body, scim_error
from tests.scim.test_groups import create_group, group_payload, member_ids, users


def members(*ids: str) -> list[dict[str, Any]]:
    return [{"value": member_id} for member_id in ids]


async def test_adding_an_existing_and_an_unknown_member_adds_the_existing_one(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng")
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members(ann, "ghost")}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert [entry["value"] for entry in body["members"]] == [ann]
    assert response.headers["ETag"] == 'W/"2"'
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_every_way_of_adding_skips_unknown_ids(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob, cy = await users(client, scim, "ann", "bob", "cy")
    group = await create_group(client, scim, "Eng", ann)
    url = f"{BASE}/Groups/{group['id']}"
    steps: list[tuple[dict[str, Any], set[str]]] = [
        # Okta: path-less add whose value carries members, with a rename.
        ({"op": "add", "value": {"members": members(bob, "ghost-1")}}, {ann, bob}),
        # A replace of the whole membership.
        ({"op": "replace", "path": "members", "value": members(cy, "ghost-3")}, {cy}),
        # A path-less replace.
        ({"op": "replace", "value": {"members": members(ann, "ghost-4")}}, {ann}),
    ]
    for operation, expected in steps:
        response = await client.patch(url, json=patch_body(operation), headers=scim)
        assert response.status == 200, (operation, await response.text())
        assert await member_ids(client, scim, group["id"]) == expected, operation


async def test_a_patch_of_only_unknown_ids_changes_nothing(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng", ann)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members("ghost")}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == 'W/"1"'
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_another_orgs_user_is_as_unknown_and_skipped_too(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    other = await scim_headers_for(client, (await create_org(client, name="Globex"))["id"])
    (stranger,) = await users(client, other, "stranger")
    group = await create_group(client, scim, "Eng")
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members(stranger, ann)}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_a_group_added_to_itself_is_still_refused(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = await create_group(client, scim, "Eng")
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": members(group["id"])}),
        headers=scim,
    )
    await scim_error(response, 400, "invalidValue")


async def test_post_and_put_still_refuse_unknown_ids_by_name(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    response = await client.post(
        f"{BASE}/Groups", json=group_payload("Eng", ann, "ghost"), headers=scim
    )
    assert "ghost" in (await scim_error(response, 400, "invalidValue"))["detail"]
    group = await create_group(client, scim, "Eng", ann)
    response = await client.put(
        f"{BASE}/Groups/{group['id']}", json=group_payload("Eng", "ghost"), headers=scim
    )
    assert "ghost" in (await scim_error(response, 400, "invalidValue"))["detail"]
    assert await member_ids(client, scim, group["id"]) == {ann}
