"""Groups as Okta and Microsoft Entra ID push them: each test replays the requests of a
documented flow and names its source.

Okta: "Okta and SCIM Version 2.0" (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20),
sections "Create Groups", "Retrieve specific Groups", "Update a specific Group name", "Update
Group memberships", "Delete a specific Group". Entra: "Tutorial: Develop and plan provisioning
for a SCIM endpoint in Microsoft Entra ID" (learn.microsoft.com), "Group Operations", and
"Known issues and limitations" of the Entra SCIM compliance page.
"""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, LIST, PATCH_OP, create_user
from tests.scim.test_groups import GROUP, member_ids


async def _okta_group(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    # Okta "Create Groups": displayName and an empty members list.
    response = await client.post(
        f"{BASE}/Groups",
        json={"schemas": [GROUP], "displayName": name, "members": []},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    return await response.json(content_type=None)


async def _patch(
    client: TestClient, headers: dict[str, str], url: str, *operations: dict[str, Any]
) -> dict[str, Any]:
    response = await client.patch(
        url, json={"schemas": [PATCH_OP], "Operations": list(operations)}, headers=headers
    )
    assert response.status == 200, await response.text()
    return await response.json(content_type=None)


async def test_okta_creates_a_group_and_reads_it_back_without_members(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Okta "Create Groups", then "Retrieve specific Groups" with excludedAttributes=members."""
    created = await _okta_group(client, scim, "Test SCIMv2")
    assert "members" not in created
    response = await client.get(
        f"{BASE}/Groups/{created['id']}?excludedAttributes=members", headers=scim
    )
    assert response.status == 200
    body = await response.json(content_type=None)
    assert body["displayName"] == "Test SCIMv2"
    assert "members" not in body


async def test_okta_renames_a_group_with_a_path_less_replace_carrying_the_id(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Okta "Update a specific Group name": op replace, no path, value {id, displayName}."""
    group = await _okta_group(client, scim, "Test SCIMv2")
    body = await _patch(
        client,
        scim,
        f"{BASE}/Groups/{group['id']}",
        {"op": "replace", "value": {"id": group["id"], "displayName": "Test SCIMv2 renamed"}},
    )
    assert body["id"] == group["id"]
    assert body["displayName"] == "Test SCIMv2 renamed"
    assert body["meta"]["version"] == 'W/"2"'


async def test_okta_updates_memberships_removing_by_filter_and_adding_by_value(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Okta "Update Group memberships": remove members[value eq "..."], add a value list."""
    ann = (await create_user(client, scim, "ann@example.com"))["id"]
    bob = (await create_user(client, scim, "bob@example.com"))["id"]
    group = await _okta_group(client, scim, "Test SCIMv2")
    url = f"{BASE}/Groups/{group['id']}"
    await _patch(
        client,
        scim,
        url,
        {"op": "add", "path": "members", "value": [{"value": ann, "display": "ann@example.com"}]},
    )
    body = await _patch(
        client,
        scim,
        url,
        {"op": "remove", "path": f'members[value eq "{ann}"]'},
        {"op": "add", "path": "members", "value": [{"value": bob, "display": "bob@example.com"}]},
    )
    assert [entry["value"] for entry in body["members"]] == [bob]


async def test_okta_group_push_renames_with_every_membership_change(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Okta group push sends the group name with each membership update ("Update a specific
    Group name" + "Update Group memberships" in one PatchOp); an unchanged name is a no-op."""
    ann = (await create_user(client, scim, "ann@example.com"))["id"]
    bob = (await create_user(client, scim, "bob@example.com"))["id"]
    group = await _okta_group(client, scim, "Pushed")
    url = f"{BASE}/Groups/{group['id']}"
    body = await _patch(
        client,
        scim,
        url,
        {"op": "replace", "value": {"id": group["id"], "displayName": "Pushed"}},
        {"op": "add", "path": "members", "value": [{"value": ann}, {"value": bob}]},
    )
    assert body["displayName"] == "Pushed"
    assert body["meta"]["version"] == 'W/"2"'
    body = await _patch(
        client,
        scim,
        url,
        {"op": "replace", "value": {"id": group["id"], "displayName": "Pushed again"}},
        {"op": "remove", "path": f'members[value eq "{bob}"]'},
    )
    assert body["displayName"] == "Pushed again"
    assert [entry["value"] for entry in body["members"]] == [ann]
    assert body["meta"]["version"] == 'W/"3"'


async def test_okta_deletes_a_group(client: TestClient, scim: dict[str, str]) -> None:
    """Okta "Delete a specific Group": DELETE answers 204, then the group is 404."""
    group = await _okta_group(client, scim, "Doomed")
    assert (await client.delete(f"{BASE}/Groups/{group['id']}", headers=scim)).status == 204
    assert (await client.get(f"{BASE}/Groups/{group['id']}", headers=scim)).status == 404


async def test_entra_creates_a_group_with_its_own_schema_urn_and_finds_it_by_display_name(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Entra "Create Group" (with the ADSCIM schema URN and meta.resourceType), then "Get
    Group By displayName": filter displayName eq, excludedAttributes=members."""
    response = await client.post(
        f"{BASE}/Groups",
        json={
            "schemas": [
                GROUP,
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
        headers=scim,
    )
    assert response.status == 201, await response.text()
    created = await response.json(content_type=None)
    assert created["schemas"] == [GROUP]
    response = await client.get(
        f'{BASE}/Groups?excludedAttributes=members&filter=displayName eq "displayName"',
        headers=scim,
    )
    body = await response.json(content_type=None)
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == 1
    assert body["Resources"][0]["id"] == created["id"]
    assert body["Resources"][0]["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    assert "members" not in body["Resources"][0]


async def test_entra_adds_and_removes_members_with_capitalised_ops_and_value_lists(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Entra "Update Group [Add Members]" and "Update Group [Remove Members]": ops "Add" and
    "Remove" on path members with [{"$ref": null, "value": id}]; a Remove lists only the
    members to remove ("Known issues": Remove on a multi-valued attribute carries a value)."""
    ids = [(await create_user(client, scim, f"u{n}@example.com"))["id"] for n in range(3)]
    response = await client.post(
        f"{BASE}/Groups", json={"schemas": [GROUP], "displayName": "Entra"}, headers=scim
    )
    group = await response.json(content_type=None)
    url = f"{BASE}/Groups/{group['id']}"
    await _patch(
        client,
        scim,
        url,
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": i} for i in ids]},
    )
    assert await member_ids(client, scim, group["id"]) == set(ids)
    await _patch(
        client,
        scim,
        url,
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ids[0]}]},
    )
    assert await member_ids(client, scim, group["id"]) == set(ids[1:])


async def test_entra_renames_a_group_with_a_capitalised_replace_on_display_name(
    client: TestClient, scim: dict[str, str]
) -> None:
    """Entra "Update Group [Non-member attributes]": op "Replace", path displayName."""
    response = await client.post(
        f"{BASE}/Groups", json={"schemas": [GROUP], "displayName": "before"}, headers=scim
    )
    group = await response.json(content_type=None)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}?excludedAttributes=members",
        json={
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "displayName", "value": "after"}],
        },
        headers=scim,
    )
    assert response.status == 200
    assert (await response.json(content_type=None))["displayName"] == "after"
