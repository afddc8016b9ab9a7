"""Microsoft Entra ID's provisioning requests, in both the default and aadOptscim062020 forms.

Sources: Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in
Microsoft Entra ID" (request/response examples, "Test Connection" query) and "Known issues and
resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning service"
(the behaviours the `aadOptscim062020` feature flag changes).
"""

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, ENTERPRISE, PATCH_OP, SEAT, USER, create_user

# The tutorial's "Create User" request.
ENTRA_CREATE = {
    "schemas": [USER, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {
            "primary": True,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
        }
    ],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}

# Entra appends the flag to the tenant URL; it must not disturb anything.
FLAG = "aadOptscim062020"


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


async def _patched(
    client: TestClient, scim: dict[str, str], user_id: str, body: dict[str, Any], query: str = ""
) -> dict[str, Any]:
    response = await client.patch(f"{BASE}/Users/{user_id}{query}", json=body, headers=scim)
    assert response.status == 200, await response.text()
    return await response.json(content_type=None)


async def test_entra_test_connection_query_answers_an_empty_list(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.get(
        f"{BASE}/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'}, headers=scim
    )
    assert response.status == 200
    body = await response.json(content_type=None)
    assert body["totalResults"] == 0
    assert body["Resources"] == []


async def test_entra_creates_then_finds_a_user_by_user_name(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(f"{BASE}/Users", json=ENTRA_CREATE, headers=scim)
    assert response.status == 201, await response.text()
    created = await response.json(content_type=None)
    response = await client.get(
        f"{BASE}/Users",
        params={"filter": f'userName eq "{ENTRA_CREATE["userName"]}"'},
        headers=scim,
    )
    assert (await response.json(content_type=None))["Resources"][0]["id"] == created["id"]


@pytest.mark.parametrize("query", ["", f"?{FLAG}"])
async def test_entra_default_form_capitalised_ops_and_boolean_strings(
    client: TestClient, scim: dict[str, str], query: str
) -> None:
    """Default form: "Add"/"Replace"/"Remove" and "True"/"False" strings (Known issues)."""
    user = await create_user(client, scim, "entra@example.com", title="Old")
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch(
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Remove", "path": "title"},
        ),
        query,
    )
    assert body["active"] is False and body[SEAT]["seatStatus"] == "deactivated"
    assert body["nickName"] == "Babs" and "title" not in body
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch({"op": "Replace", "path": "active", "value": "True"}),
        query,
    )
    assert body["active"] is True


@pytest.mark.parametrize("query", ["", f"?{FLAG}"])
async def test_entra_flagged_form_pathless_values_with_dotted_and_urn_keys(
    client: TestClient, scim: dict[str, str], query: str
) -> None:
    """aadOptscim062020 form: lowercase ops, real booleans, path-less add/replace whose keys
    are attribute paths ("name.givenName") or URN-qualified ("urn:...:department")."""
    user = await create_user(client, scim, "flagged@example.com")
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch(
            {
                "op": "replace",
                "value": {
                    "name.givenName": "Barbara",
                    "name.familyName": "Jensen",
                    f"{ENTERPRISE}:department": "Engineering",
                    "active": False,
                },
            },
            {"op": "add", "value": {"nickName": "Babs"}},
        ),
        query,
    )
    assert body["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert body[ENTERPRISE] == {"department": "Engineering"}
    assert body["active"] is False and body["nickName"] == "Babs"


async def test_entra_adds_an_email_through_a_filter_that_matches_nothing_yet(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "mail@example.com")
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch({"op": "Add", "path": 'emails[type eq "work"].value', "value": "a@example.com"}),
    )
    assert body["emails"] == [{"type": "work", "value": "a@example.com"}]
    # The tutorial's "Update User [Multi-valued properties]": the entry now exists.
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "b@example.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ),
    )
    assert body["emails"] == [{"type": "work", "value": "b@example.com"}]
    assert body["name"]["familyName"] == "updatedFamilyName"


async def test_entra_sets_the_manager_as_a_bare_id(
    client: TestClient, scim: dict[str, str]
) -> None:
    boss = await create_user(client, scim, "boss@example.com")
    user = await create_user(client, scim, "report@example.com")
    body = await _patched(
        client,
        scim,
        user["id"],
        _patch({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}),
    )
    assert body[ENTERPRISE]["manager"] == {"value": boss["id"]}
    body = await _patched(
        client, scim, user["id"], _patch({"op": "Remove", "path": f"{ENTERPRISE}:manager"})
    )
    assert ENTERPRISE not in body


async def test_entra_renames_the_user_name_with_a_single_valued_replace(
    client: TestClient, scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "old-name@example.com")
    new_name = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    body = await _patched(
        client, scim, user["id"], _patch({"op": "Replace", "path": "userName", "value": new_name})
    )
    assert body["userName"] == new_name
