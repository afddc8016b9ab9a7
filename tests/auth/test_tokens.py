"""POST /auth/v1/tokens: who gets a token, what it says, and how bad requests are answered."""

from typing import Any

import jwt
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from seats.members import create_member
from seats.model import MemberDraft
from tests.auth.conftest import AddMember, basic, new_product_client, request_token
from tests.helpers import ADMIN_HEADERS, create_org


async def _jwks(client: TestClient) -> jwt.PyJWKSet:
    response = await client.get("/.well-known/jwks.json")
    return jwt.PyJWKSet.from_dict(await response.json())


async def test_an_active_member_gets_a_short_lived_es256_token_with_seat_claims(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada@example.com", email="ada@example.com")
    status, body = await request_token(
        client, product, org_id=org["id"], user_name="ada@example.com"
    )
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["seat_status"] == "active"
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "ES256"
    key = (await _jwks(client))[header["kid"]]
    claims = jwt.decode(
        body["access_token"],
        key,
        algorithms=["ES256"],
        audience="seatgate-product",
        issuer="http://127.0.0.1",
    )
    assert claims["sub"] == member.id
    assert claims["org_id"] == org["id"]
    assert claims["user_name"] == "ada@example.com"
    assert claims["email"] == "ada@example.com"
    assert claims["seat_status"] == "active"
    assert claims["seat_over_limit"] is False
    assert claims["azp"] == product["client_id"]
    assert claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]
    assert len(claims["jti"]) == 32


async def test_a_member_over_the_seat_limit_gets_a_token_that_says_so(
    client: TestClient, add_member: AddMember
) -> None:
    org = await create_org(client, seat_limit=1)
    product = await new_product_client(client, org["id"])
    await add_member(org["id"], "first")
    await add_member(org["id"], "second")
    status, body = await request_token(client, product, org_id=org["id"], user_name="second")
    assert status == 200
    assert body["seat_status"] == "over_limit"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["seat_status"] == "over_limit"
    assert claims["seat_over_limit"] is True


async def test_members_can_be_named_by_id_external_id_or_user_name_in_any_case(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "Grace.Hopper", external_id="okta-00u1")
    for lookup in (
        {"user_id": member.id},
        {"external_id": "okta-00u1"},
        {"user_name": "grace.hopper"},
        {"user_name": "GRACE.HOPPER"},
    ):
        status, body = await request_token(client, product, org_id=org["id"], **lookup)
        assert status == 200, lookup
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == member.id, lookup
        assert claims["user_name"] == "Grace.Hopper"


async def test_a_deactivated_member_is_refused_with_member_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "gone", active=False)
    status, body = await request_token(client, product, org_id=org["id"], user_name="gone")
    assert status == 403
    assert body["error"] == "member_inactive"


async def test_an_unknown_member_or_org_is_a_404(
    client: TestClient, org: dict[str, Any], product: dict[str, str]
) -> None:
    status, body = await request_token(client, product, org_id=org["id"], user_name="nobody")
    assert (status, body["error"]) == (404, "member_not_found")
    global_client = await new_product_client(client)
    status, body = await request_token(client, global_client, org_id="no-such-org", user_id="x")
    assert (status, body["error"]) == (404, "org_not_found")


async def test_a_client_of_one_org_gets_403_for_another_orgs_members(
    client: TestClient, product: dict[str, str], add_member: AddMember
) -> None:
    other = await create_org(client, name="Other")
    await add_member(other["id"], "stranger")
    for user_name in ("stranger", "nobody"):
        # The same answer whether the member exists or not: nothing leaks about the other org.
        status, body = await request_token(client, product, org_id=other["id"], user_name=user_name)
        assert (status, body["error"]) == (403, "org_not_allowed")


async def test_a_global_client_gets_tokens_for_any_org(
    client: TestClient, add_member: AddMember
) -> None:
    global_client = await new_product_client(client)
    for name in ("One", "Two"):
        org = await create_org(client, name=name)
        await add_member(org["id"], "someone")
        status, _ = await request_token(
            client, global_client, org_id=org["id"], user_name="someone"
        )
        assert status == 200


async def test_a_revoked_client_is_refused(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    response = await client.delete(
        f"/admin/v1/orgs/{org['id']}/clients/{product['client_id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 204
    status, body = await request_token(client, product, org_id=org["id"], user_name="ada")
    assert (status, body["error"]) == (401, "invalid_client")


async def test_wrong_or_missing_credentials_get_401_with_a_basic_challenge(
    client: TestClient, org: dict[str, Any], product: dict[str, str]
) -> None:
    body = {"org_id": org["id"], "user_name": "ada"}
    cases = [
        {},
        {"Authorization": "Bearer something"},
        {"Authorization": "Basic !!!not-base64"},
        basic(product["client_id"], "sgclient_wrong"),
        basic("unknown-client", product["client_secret"]),
        basic("nul\x00client", product["client_secret"]),
        basic("x" * 300, product["client_secret"]),
    ]
    for headers in cases:
        response = await client.post("/auth/v1/tokens", json=body, headers=headers)
        assert response.status == 401, headers
        assert (await response.json())["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_bad_bodies_get_a_clear_json_error(
    client: TestClient, org: dict[str, Any], product: dict[str, str]
) -> None:
    headers = basic(product["client_id"], product["client_secret"])
    cases: list[tuple[Any, int, str, str]] = [
        ({"user_name": "ada"}, 422, "invalid_value", "org_id is required"),
        ({"org_id": org["id"]}, 422, "invalid_value", "exactly one of"),
        ({"org_id": org["id"], "user_name": "a", "user_id": "b"}, 422, "invalid_value", "got"),
        ({"org_id": org["id"], "user_name": 7}, 422, "invalid_value", "user_name must be"),
        ({"org_id": org["id"], "user_name": ""}, 422, "invalid_value", "non-empty"),
        ({"org_id": org["id"], "user_name": "a" * 600}, 422, "invalid_value", "at most"),
        ({"org_id": org["id"], "user_name": "a\x00b"}, 422, "invalid_value", "NUL"),
        ({"org_id": "o\x00", "user_id": "x"}, 422, "invalid_value", "org_id must be"),
        ({"org_id": org["id"], "user_name": "a", "scope": "x"}, 422, "unknown_field", "scope"),
        ([1, 2], 400, "malformed_json", "JSON object"),
    ]
    for payload, status, code, fragment in cases:
        response = await client.post("/auth/v1/tokens", json=payload, headers=headers)
        body = await response.json()
        assert (response.status, body["error"]) == (status, code), payload
        assert fragment in body["detail"], payload
    response = await client.post(
        "/auth/v1/tokens",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (response.status, (await response.json())["error"]) == (400, "malformed_json")
    response = await client.post(
        "/auth/v1/tokens", data="org_id=x", headers={**headers, "Content-Type": "text/plain"}
    )
    assert (response.status, (await response.json())["error"]) == (415, "unsupported_media_type")
    response = await client.get("/auth/v1/tokens", headers=headers)
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"


async def test_the_token_lifetime_follows_the_settings(
    aiohttp_client: Any, settings: Settings
) -> None:
    short = await aiohttp_client(create_app(settings.replace(token_lifetime_seconds=60)))
    org = await create_org(short)
    product = await new_product_client(short, org["id"])
    async with short.app[DATABASE].transaction() as conn:
        await create_member(conn, org["id"], MemberDraft(user_name="ada"), actor="test")
    status, body = await request_token(short, product, org_id=org["id"], user_name="ada")
    assert status == 200
    assert body["expires_in"] == 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60
