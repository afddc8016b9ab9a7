"""The admin API for organizations and SCIM tokens."""

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for


async def test_an_org_is_created_and_read_back(client: TestClient) -> None:
    org = await create_org(client, name="Acme", seat_limit=5)
    response = await client.get(f"/admin/v1/orgs/{org['id']}", headers=ADMIN_HEADERS)
    assert response.status == 200
    body = await response.json()
    assert body["name"] == "Acme"
    assert body["seat_limit"] == 5
    assert body["seat_policy"] == "over_limit"
    assert body["exempt_user_types"] == ["Guest", "ServiceAccount"]


async def test_the_admin_api_refuses_requests_without_the_admin_token(client: TestClient) -> None:
    response = await client.post("/admin/v1/orgs", json={"name": "x"})
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    response = await client.post(
        "/admin/v1/orgs", json={"name": "x"}, headers={"Authorization": "Bearer wrong"}
    )
    assert response.status == 401


async def test_bad_org_bodies_get_a_clear_error(client: TestClient) -> None:
    cases = [
        ({"name": "x", "seat_limit": -1}, 422, "seat_limit must be between 0"),
        ({"name": "x", "seat_limit": 2.5}, 422, "whole number"),
        ({"name": "x", "seat_limit": "10"}, 422, "whole number"),
        ({"name": "x", "seat_limit": 10**12}, 422, "between 0 and"),
        ({"name": ""}, 422, "name must be"),
        ({}, 422, "name is required"),
        ({"name": "x", "seat_policy": "nope"}, 422, "over_limit, auto_expand"),
        ({"name": "x", "colour": "red"}, 422, "unknown field"),
    ]
    for body, status, fragment in cases:
        response = await client.post("/admin/v1/orgs", json=body, headers=ADMIN_HEADERS)
        assert response.status == status, body
        assert fragment in (await response.json())["detail"], body
    response = await client.post(
        "/admin/v1/orgs",
        data="{not json",
        headers={**ADMIN_HEADERS, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "malformed_json"


async def test_an_unknown_org_is_a_404(client: TestClient) -> None:
    response = await client.get("/admin/v1/orgs/nope", headers=ADMIN_HEADERS)
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_a_scim_token_is_shown_once_and_can_be_revoked(client: TestClient) -> None:
    org = await create_org(client)
    response = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    assert response.status == 201
    issued = await response.json()
    assert issued["token"].startswith("sgscim_")
    listing = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    ).json()
    assert [t["id"] for t in listing["data"]] == [issued["id"]]
    assert "token" not in listing["data"][0]
    response = await client.delete(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{issued['id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 204
    response = await client.delete(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{issued['id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 404


async def test_a_revoked_scim_token_is_refused_at_once_even_after_recent_use(
    client: TestClient,
) -> None:
    org = await create_org(client)
    headers = await scim_headers_for(client, org["id"])
    assert (await client.get("/scim/v2/Users", headers=headers)).status == 200
    listing = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    ).json()
    token_id = listing["data"][0]["id"]
    response = await client.delete(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{token_id}", headers=ADMIN_HEADERS
    )
    assert response.status == 204
    assert (await client.get("/scim/v2/Users", headers=headers)).status == 401
