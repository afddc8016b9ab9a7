"""POST /auth/v1/introspect (RFC 7662): the member's current seat state, before expiry."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats.members import delete_member, replace_member
from seats.model import Member, MemberDraft
from tests.auth.conftest import AddMember, basic, new_product_client, request_token
from tests.helpers import ADMIN_HEADERS, create_org


async def introspect(
    client: TestClient, credentials: dict[str, str], token: str
) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/auth/v1/introspect",
        data={"token": token},
        headers=basic(credentials["client_id"], credentials["client_secret"]),
    )
    return response.status, await response.json()


async def token_for(client: TestClient, credentials: dict[str, str], member: Member) -> str:
    status, body = await request_token(client, credentials, org_id=member.org_id, user_id=member.id)
    assert status == 200, body
    return body["access_token"]


async def test_a_valid_token_introspects_as_active_with_its_claims(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada", email="ada@example.com")
    token = await token_for(client, product, member)
    status, body = await introspect(client, product, token)
    assert status == 200
    assert body["active"] is True
    assert body["sub"] == member.id
    assert body["org_id"] == org["id"]
    assert body["username"] == body["user_name"] == "ada"
    assert body["email"] == "ada@example.com"
    assert body["client_id"] == product["client_id"]
    assert body["seat_status"] == "active"
    assert body["seat_over_limit"] is False
    assert body["token_type"] == "Bearer"
    assert {"iss", "aud", "exp", "iat", "nbf", "jti"} <= set(body)


async def test_a_promotion_shows_before_the_token_expires(
    client: TestClient, add_member: AddMember
) -> None:
    org = await create_org(client, seat_limit=1)
    product = await new_product_client(client, org["id"])
    first = await add_member(org["id"], "first")
    waiting = await add_member(org["id"], "second")
    token = await token_for(client, product, waiting)
    _, body = await introspect(client, product, token)
    assert (body["seat_status"], body["seat_over_limit"]) == ("over_limit", True)
    async with client.app[DATABASE].transaction() as conn:
        await delete_member(conn, org["id"], first.id, actor="test")
    _, body = await introspect(client, product, token)
    assert body["active"] is True
    assert (body["seat_status"], body["seat_over_limit"]) == ("active", False)
    assert body["issued_seat_status"] == "over_limit"


async def test_a_deactivated_members_token_introspects_as_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    token = await token_for(client, product, member)
    async with client.app[DATABASE].transaction() as conn:
        await replace_member(
            conn, org["id"], member.id, MemberDraft(user_name="ada", active=False), actor="test"
        )
    assert await introspect(client, product, token) == (200, {"active": False})


async def test_a_deleted_members_token_introspects_as_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    token = await token_for(client, product, member)
    async with client.app[DATABASE].transaction() as conn:
        await delete_member(conn, org["id"], member.id, actor="test")
    assert await introspect(client, product, token) == (200, {"active": False})


async def test_tokens_of_a_revoked_client_introspect_as_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    token = await token_for(client, product, member)
    response = await client.delete(
        f"/admin/v1/clients/{product['client_id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 204
    other = await new_product_client(client, org["id"])
    assert await introspect(client, other, token) == (200, {"active": False})


async def test_a_client_of_another_org_sees_the_token_as_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    token = await token_for(client, product, member)
    other_org = await create_org(client, name="Other")
    stranger = await new_product_client(client, other_org["id"])
    assert await introspect(client, stranger, token) == (200, {"active": False})
    global_client = await new_product_client(client)
    assert (await introspect(client, global_client, token))[1]["active"] is True


async def test_garbage_and_tampered_tokens_introspect_as_inactive(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    member = await add_member(org["id"], "ada")
    token = await token_for(client, product, member)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    for candidate in ("garbage", "a.b.c", tampered, token + "x"):
        assert await introspect(client, product, candidate) == (200, {"active": False})


async def test_introspection_needs_client_credentials_and_a_form_token(
    client: TestClient, product: dict[str, str]
) -> None:
    response = await client.post("/auth/v1/introspect", data={"token": "x"})
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"
    headers = basic(product["client_id"], product["client_secret"])
    response = await client.post("/auth/v1/introspect", data={}, headers=headers)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"
    response = await client.post("/auth/v1/introspect", json={"token": "x"}, headers=headers)
    assert response.status == 415
    assert "form-encoded" in (await response.json())["detail"]
