"""The aiohttp layer of /scim/v2: authentication, media type, size, JSON syntax, routing,
rate limiting. Every refusal is an RFC 7644 §3.12 error body, never a 500."""

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, create_user, scim_error, user_payload


async def test_a_request_without_a_bearer_token_is_401_with_www_authenticate(
    client: TestClient,
) -> None:
    response = await client.get(f"{BASE}/Users")
    await scim_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = await client.get(f"{BASE}/Users", headers={"Authorization": "Basic dXNlcjpwdw=="})
    await scim_error(response, 401)


async def test_an_unknown_or_revoked_token_is_401_invalid_token(client: TestClient) -> None:
    response = await client.get(f"{BASE}/Users", headers={"Authorization": "Bearer nope"})
    await scim_error(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    org = await create_org(client)
    created = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    token = await created.json()
    revoke = await client.delete(
        f"/admin/v1/orgs/{org['id']}/scim-tokens/{token['id']}", headers=ADMIN_HEADERS
    )
    if revoke.status in (200, 204):
        response = await client.get(
            f"{BASE}/Users", headers={"Authorization": f"Bearer {token['token']}"}
        )
        await scim_error(response, 401)


async def test_both_scim_and_plain_json_media_types_are_accepted(
    client: TestClient, scim: dict[str, str]
) -> None:
    for index, content_type in enumerate(
        ["application/scim+json", "application/json", "application/scim+json; charset=utf-8"]
    ):
        response = await client.post(
            f"{BASE}/Users",
            json=user_payload(f"media{index}@example.com"),
            headers={**scim, "Content-Type": content_type},
        )
        assert response.status == 201, content_type


async def test_another_media_type_is_415_without_a_scim_type(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(
        f"{BASE}/Users",
        data="userName=x",
        headers={**scim, "Content-Type": "application/x-www-form-urlencoded"},
    )
    await scim_error(response, 415)


async def test_a_body_over_the_limit_is_413_by_content_length_and_by_bytes_read(
    aiohttp_client, settings: Settings
) -> None:
    small = settings.replace(scim_max_body_bytes=200)
    client = await aiohttp_client(create_app(small))
    org = await create_org(client)
    headers = await scim_headers_for(client, org["id"])
    big = user_payload("big@example.com", displayName="x" * 500)
    await scim_error(await client.post(f"{BASE}/Users", json=big, headers=headers), 413)

    async def chunks():
        yield b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], '
        yield b'"userName": "' + b"y" * 400 + b'"}'

    # Chunked: no Content-Length, so the limit is enforced on the bytes read.
    response = await client.post(f"{BASE}/Users", data=chunks(), headers=headers)
    await scim_error(response, 413)


async def test_malformed_json_is_400_invalid_syntax(
    client: TestClient, scim: dict[str, str]
) -> None:
    for raw in ['{"userName": ', "", "[1, 2", '{"a": NaN}', "\xff"]:
        response = await client.post(f"{BASE}/Users", data=raw.encode("latin-1"), headers=scim)
        await scim_error(response, 400, "invalidSyntax")


async def test_a_body_that_is_not_an_object_is_400_invalid_syntax(
    client: TestClient, scim: dict[str, str]
) -> None:
    for body in ([], "text", 3, None):
        response = await client.post(f"{BASE}/Users", json=body, headers=scim)
        await scim_error(response, 400, "invalidSyntax")


async def test_nul_and_lone_surrogates_are_400_invalid_value_on_every_engine(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(f"{BASE}/Users", data=b'{"userName": "a\\u0000b"}', headers=scim)
    await scim_error(response, 400, "invalidValue")
    response = await client.post(f"{BASE}/Users", data=b'{"userName": "a\\ud800b"}', headers=scim)
    await scim_error(response, 400, "invalidValue")
    response = await client.get(f"{BASE}/Users?filter=userName%20eq%20%22%00%22", headers=scim)
    await scim_error(response, 400, "invalidValue")
    response = await client.get(f"{BASE}/Users/a%00b", headers=scim)
    await scim_error(response, 400, "invalidValue")


async def test_unknown_endpoints_are_404_and_wrong_methods_405_with_allow(
    client: TestClient, scim: dict[str, str]
) -> None:
    body = await scim_error(await client.get(f"{BASE}/Pets", headers=scim), 404)
    assert body["detail"] == f"no SCIM endpoint at {BASE}/Pets"
    await scim_error(await client.get(f"{BASE}/Users/a/b", headers=scim), 404)
    await scim_error(await client.get(f"{BASE}/Me/a/b", headers=scim), 404)
    response = await client.delete(f"{BASE}/Users", headers=scim)
    body = await scim_error(response, 405)
    assert response.headers["Allow"] == "GET, POST"
    assert body["detail"] == f"DELETE is not supported on {BASE}/Users; allowed: GET, POST"
    response = await client.delete(f"{BASE}/users/", headers=scim)
    await scim_error(response, 405)
    assert response.headers["Allow"] == "GET, POST"
    response = await client.post(f"{BASE}/ServiceProviderConfig", json={}, headers=scim)
    await scim_error(response, 405)
    assert response.headers["Allow"] == "GET"
    # HEAD is not GET here: the list and read operations are not run for headers alone.
    response = await client.head(f"{BASE}/Users", headers=scim)
    assert response.status == 405 and response.headers["Allow"] == "GET, POST"


async def test_an_unknown_endpoint_still_needs_a_token(client: TestClient) -> None:
    await scim_error(await client.get(f"{BASE}/Pets"), 401)


async def test_me_is_not_implemented(client: TestClient, scim: dict[str, str]) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, f"{BASE}/Me", headers=scim, json={})
        await scim_error(response, 501)


async def test_endpoint_names_match_case_insensitively_and_tolerate_a_trailing_slash(
    client: TestClient, scim: dict[str, str]
) -> None:
    created = await create_user(client, scim, "case@example.com")
    assert (await client.get(f"{BASE}/users/{created['id']}", headers=scim)).status == 200
    assert (await client.get(f"{BASE}/USERS/{created['id']}/", headers=scim)).status == 200
    assert (await client.get(f"{BASE}/Users/", headers=scim)).status == 200
    assert (await client.get(f"{BASE}/serviceproviderconfig", headers=scim)).status == 200
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    response = await client.post(f"{BASE}/users/.SEARCH", json=search, headers=scim)
    assert response.status == 200 and (await response.json())["totalResults"] == 1
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Case"}],
    }
    response = await client.patch(f"{BASE}/users/{created['id']}", json=patch, headers=scim)
    assert response.status == 200 and (await response.json())["displayName"] == "Case"


async def test_too_many_requests_for_one_token_are_429_with_retry_after(
    aiohttp_client, settings: Settings
) -> None:
    limited = settings.replace(scim_rate_limit_per_second=0.01, scim_rate_limit_burst=2)
    client = await aiohttp_client(create_app(limited))
    org = await create_org(client)
    headers = await scim_headers_for(client, org["id"])
    other = await scim_headers_for(client, org["id"])
    assert (await client.get(f"{BASE}/Users", headers=headers)).status == 200
    assert (await client.get(f"{BASE}/Users", headers=headers)).status == 200
    response = await client.get(f"{BASE}/Users", headers=headers)
    await scim_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    # The bucket is per token.
    assert (await client.get(f"{BASE}/Users", headers=other)).status == 200
