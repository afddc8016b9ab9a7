"""Okta's provisioning conversation, as the Okta SCIM 2.0 docs describe it.

Source: Okta Developer, "SCIM 2.0 protocol reference" / "Build a SCIM provisioning integration"
(developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20): lookup by userName before
creating, create, full PUT of the resource Okta read, deactivation by PATCH `active: false`,
deactivated users remaining readable.
"""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, PATCH_OP, SEAT, USER

# The create request of the Okta SCIM 2.0 docs ("Create the User"), verbatim but for names.
OKTA_CREATE = {
    "schemas": [USER],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


async def _lookup(client: TestClient, scim: dict[str, str], user_name: str) -> dict[str, Any]:
    # Okta: GET /Users?filter=userName eq "..."&startIndex=1&count=100
    response = await client.get(
        f"{BASE}/Users",
        params={"filter": f'userName eq "{user_name}"', "startIndex": "1", "count": "100"},
        headers=scim,
    )
    assert response.status == 200
    return await response.json(content_type=None)


async def test_okta_looks_a_user_up_by_user_name_before_creating_it(
    client: TestClient, scim: dict[str, str]
) -> None:
    found = await _lookup(client, scim, "test.user@okta.local")
    assert found["totalResults"] == 0 and found["Resources"] == []
    response = await client.post(f"{BASE}/Users", json=OKTA_CREATE, headers=scim)
    assert response.status == 201
    created = await response.json(content_type=None)
    assert "password" not in created
    found = await _lookup(client, scim, "TEST.USER@okta.local")
    assert found["totalResults"] == 1
    assert found["startIndex"] == 1
    assert found["itemsPerPage"] == 1
    assert found["Resources"][0]["id"] == created["id"]


async def test_okta_replaces_the_whole_user_including_id_meta_and_groups(
    client: TestClient, scim: dict[str, str]
) -> None:
    created = await (await client.post(f"{BASE}/Users", json=OKTA_CREATE, headers=scim)).json(
        content_type=None
    )
    read = await (await client.get(f"{BASE}/Users/{created['id']}", headers=scim)).json(
        content_type=None
    )
    # Okta sends back what it read, changed, with id, meta and groups in the body.
    sent = {**read, "name": {"givenName": "Another", "familyName": "User"}, "groups": []}
    response = await client.put(f"{BASE}/Users/{created['id']}", json=sent, headers=scim)
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert body["name"] == {"givenName": "Another", "familyName": "User"}
    assert body["id"] == created["id"]
    assert body["meta"]["created"] == created["meta"]["created"]


async def test_okta_deactivates_with_a_pathless_replace_and_the_user_stays_readable(
    client: TestClient, scim: dict[str, str]
) -> None:
    created = await (await client.post(f"{BASE}/Users", json=OKTA_CREATE, headers=scim)).json(
        content_type=None
    )
    deactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    response = await client.patch(f"{BASE}/Users/{created['id']}", json=deactivate, headers=scim)
    assert response.status == 200
    body = await response.json(content_type=None)
    assert body["active"] is False
    assert body[SEAT]["seatStatus"] == "deactivated"
    # Deactivated users are still returned by GET and by a userName lookup.
    read = await client.get(f"{BASE}/Users/{created['id']}", headers=scim)
    assert (await read.json(content_type=None))["active"] is False
    found = await _lookup(client, scim, "test.user@okta.local")
    assert found["totalResults"] == 1 and found["Resources"][0]["active"] is False
    listed = await (await client.get(f"{BASE}/Users", headers=scim)).json(content_type=None)
    assert [u["id"] for u in listed["Resources"]] == [created["id"]]
    # Reactivation is the same patch with true.
    reactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": True}}],
    }
    response = await client.patch(f"{BASE}/Users/{created['id']}", json=reactivate, headers=scim)
    body = await response.json(content_type=None)
    assert body["active"] is True and body[SEAT]["seatStatus"] == "active"


async def test_okta_custom_attributes_it_was_not_told_about_are_ignored(
    client: TestClient, scim: dict[str, str]
) -> None:
    # An Okta admin can map profile attributes the app does not declare.
    response = await client.post(
        f"{BASE}/Users", json={**OKTA_CREATE, "costCenterCode": "42"}, headers=scim
    )
    assert response.status == 201
    assert "costCenterCode" not in await response.json(content_type=None)
