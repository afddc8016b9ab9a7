"""The admin API for product clients: created with a secret shown once, listed, revoked."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS, create_org


async def test_an_org_client_is_created_with_a_secret_shown_once(
    client: TestClient, org: dict[str, Any]
) -> None:
    response = await client.post(
        f"/admin/v1/orgs/{org['id']}/clients", json={"name": "web app"}, headers=ADMIN_HEADERS
    )
    assert response.status == 201
    created = await response.json()
    assert created["client_secret"].startswith("sgclient_")
    assert created["org_id"] == org["id"]
    assert created["name"] == "web app"
    listing = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    ).json()
    assert [c["client_id"] for c in listing["data"]] == [created["client_id"]]
    assert "client_secret" not in listing["data"][0]
    assert listing["data"][0]["revoked_at"] is None


async def test_a_client_can_be_created_without_a_body(
    client: TestClient, org: dict[str, Any]
) -> None:
    response = await client.post(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    assert response.status == 201
    assert (await response.json())["name"] == ""


async def test_a_global_client_belongs_to_no_org_and_all_clients_are_listed(
    client: TestClient, org: dict[str, Any]
) -> None:
    response = await client.post("/admin/v1/clients", json={}, headers=ADMIN_HEADERS)
    assert response.status == 201
    global_client = await response.json()
    assert global_client["org_id"] is None
    await client.post(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    listing = await (await client.get("/admin/v1/clients", headers=ADMIN_HEADERS)).json()
    assert [c["org_id"] for c in listing["data"]] == [None, org["id"]]
    org_listing = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    ).json()
    assert len(org_listing["data"]) == 1


async def test_a_client_is_revoked_once_and_only_through_its_own_org(
    client: TestClient, org: dict[str, Any]
) -> None:
    created = await (
        await client.post(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    ).json()
    other = await create_org(client, name="Other")
    response = await client.delete(
        f"/admin/v1/orgs/{other['id']}/clients/{created['client_id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 404
    path = f"/admin/v1/orgs/{org['id']}/clients/{created['client_id']}"
    assert (await client.delete(path, headers=ADMIN_HEADERS)).status == 204
    response = await client.delete(path, headers=ADMIN_HEADERS)
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"
    listing = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    ).json()
    assert listing["data"][0]["revoked_at"] is not None


async def test_client_endpoints_refuse_unknown_orgs_bad_bodies_and_missing_admin_tokens(
    client: TestClient, org: dict[str, Any]
) -> None:
    response = await client.post("/admin/v1/orgs/nope/clients", headers=ADMIN_HEADERS)
    assert (response.status, (await response.json())["error"]) == (404, "not_found")
    response = await client.get("/admin/v1/orgs/nope/clients", headers=ADMIN_HEADERS)
    assert response.status == 404
    path = f"/admin/v1/orgs/{org['id']}/clients"
    for body, code in (({"name": 5}, "invalid_value"), ({"secret": "x"}, "unknown_field")):
        response = await client.post(path, json=body, headers=ADMIN_HEADERS)
        assert (response.status, (await response.json())["error"]) == (422, code)
    response = await client.post(
        path, data="{nope", headers={**ADMIN_HEADERS, "Content-Type": "application/json"}
    )
    assert (response.status, (await response.json())["error"]) == (400, "malformed_json")
    assert (await client.post(path)).status == 401
    assert (await client.get("/admin/v1/clients")).status == 401


async def test_ids_no_database_can_hold_are_unknown_not_errors(client: TestClient) -> None:
    # PostgreSQL text refuses NUL: such an id must be a 404, not a 500.
    for method, path in (
        ("POST", "/admin/v1/orgs/a%00b/clients"),
        ("GET", "/admin/v1/orgs/a%00b/clients"),
        ("DELETE", "/admin/v1/orgs/a%00b/clients/c"),
        ("DELETE", "/admin/v1/clients/a%00b"),
        ("DELETE", f"/admin/v1/clients/{'x' * 300}"),
    ):
        response = await client.request(method, path, headers=ADMIN_HEADERS)
        assert response.status == 404, (method, path)
