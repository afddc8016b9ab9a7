"""Discovery (RFC 7644 §4): what the server says it supports is exactly what it does."""

from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, ENTERPRISE, LIST, SEAT, USER, scim_error

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


async def test_service_provider_config_describes_the_supported_features(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.get(f"{BASE}/ServiceProviderConfig", headers=scim)
    assert response.status == 200
    config = await response.json(content_type=None)
    assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    assert config["patch"] == {"supported": True}
    assert config["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    assert config["changePassword"] == {"supported": False}
    assert config["sort"] == {"supported": True}
    assert config["etag"] == {"supported": True}
    assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]
    assert config["pagination"]["cursor"] is True and config["pagination"]["index"] is True
    assert config["pagination"]["defaultPaginationMethod"] == "index"
    assert config["meta"]["location"].endswith("/scim/v2/ServiceProviderConfig")


async def test_schemas_list_user_its_extensions_and_group(
    client: TestClient, scim: dict[str, str]
) -> None:
    body = await (await client.get(f"{BASE}/Schemas", headers=scim)).json(content_type=None)
    assert body["schemas"] == [LIST]
    assert {s["id"] for s in body["Resources"]} == {USER, ENTERPRISE, SEAT, GROUP}
    assert body["totalResults"] == 4
    seat = await (await client.get(f"{BASE}/Schemas/{SEAT}", headers=scim)).json(content_type=None)
    attributes = {a["name"]: a for a in seat["attributes"]}
    assert attributes["seatStatus"]["mutability"] == "readOnly"
    assert attributes["overLimitSince"]["type"] == "dateTime"
    assert seat["meta"]["location"].endswith(f"/Schemas/{SEAT}")
    await scim_error(await client.get(f"{BASE}/Schemas/urn:nope", headers=scim), 404)


async def test_resource_types_are_user_and_group(client: TestClient, scim: dict[str, str]) -> None:
    body = await (await client.get(f"{BASE}/ResourceTypes", headers=scim)).json(content_type=None)
    by_id = {r["id"]: r for r in body["Resources"]}
    assert set(by_id) == {"User", "Group"}
    assert by_id["User"]["endpoint"] == "/Users"
    assert [e["schema"] for e in by_id["User"]["schemaExtensions"]] == [ENTERPRISE, SEAT]
    assert by_id["Group"]["endpoint"] == "/Groups"
    user = await (await client.get(f"{BASE}/ResourceTypes/User", headers=scim)).json(
        content_type=None
    )
    assert user == by_id["User"]
    await scim_error(await client.get(f"{BASE}/ResourceTypes/Pet", headers=scim), 404)


async def test_discovery_endpoints_refuse_filters_with_403(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.get(f"{BASE}/Schemas", params={"filter": 'id eq "x"'}, headers=scim)
    await scim_error(response, 403)
