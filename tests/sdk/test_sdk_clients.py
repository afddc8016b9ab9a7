"""The SDK's blocking clients against a gateway on loopback: the directory read page by page,
a token issued and introspected, the feed consumed, and the gateway's errors as SeatgateError."""

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from seatgate_sdk import (
    CursorExpired,
    DirectoryClient,
    EventFeed,
    SeatgateError,
    TokenClient,
    errors,
)
from tests.auth.conftest import new_product_client
from tests.scim.support import create_user

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


async def _seeded(client: TestClient, scim: dict[str, str]) -> dict[str, Any]:
    users = [await create_user(client, scim, f"user{n}@example.test") for n in range(3)]
    body = {
        "schemas": [GROUP],
        "displayName": "Engineering",
        "members": [{"value": user["id"]} for user in users],
    }
    response = await client.post("/scim/v2/Groups", json=body, headers=scim)
    assert response.status == 201, await response.text()
    return {"users": users, "group": await response.json()}


async def test_the_blocking_directory_client_reads_every_page(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    seeded = await _seeded(client, scim)
    product = await new_product_client(client, org["id"])
    base = str(client.make_url(""))

    def read() -> dict[str, Any]:
        with DirectoryClient(base, product["client_id"], product["client_secret"]) as directory:
            group_id = seeded["group"]["id"]
            return {
                "users": [u["user_name"] for u in directory.users(org["id"], page_size=1)],
                "active": list(directory.users(org["id"], seat_status="over_limit")),
                "user": directory.user(org["id"], seeded["users"][0]["id"]),
                "groups": [g["display_name"] for g in directory.groups(org["id"], page_size=1)],
                "group": directory.group(org["id"], group_id)["display_name"],
                "members": [
                    m["id"] for m in directory.group_members(org["id"], group_id, page_size=2)
                ],
            }

    read_back = await asyncio.to_thread(read)
    assert read_back["users"] == [f"user{n}@example.test" for n in range(3)]
    assert read_back["active"] == []
    group = {"id": seeded["group"]["id"], "display_name": "Engineering"}
    assert read_back["user"]["groups"] == [group]
    assert read_back["groups"] == ["Engineering"]
    assert read_back["group"] == "Engineering"
    assert sorted(read_back["members"]) == sorted(u["id"] for u in seeded["users"])


async def test_the_blocking_token_client_and_feed_against_the_gateway(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    user = await create_user(client, scim, "ada@example.test")
    product = await new_product_client(client, org["id"])
    base = str(client.make_url(""))
    credentials = (base, product["client_id"], product["client_secret"])

    def run() -> dict[str, Any]:
        with TokenClient(*credentials) as tokens, EventFeed(*credentials, page_size=1) as feed:
            issued = tokens.issue(org["id"], user_name="ADA@example.test")
            seen: list[str] = []
            saved: list[str] = []
            cursor = feed.consume(
                lambda event: seen.append(event.type), cursor=None, save_cursor=saved.append
            )
            return {
                "issued": issued,
                "introspected": tokens.introspect(issued.access_token),
                "seen": seen,
                "saved": saved,
                "cursor": cursor,
            }

    result = await asyncio.to_thread(run)
    assert result["issued"].seat_status == "active"
    assert result["issued"].seat_over_limit is False
    assert result["introspected"]["active"] is True
    assert result["introspected"]["sub"] == user["id"]
    assert "member.created" in result["seen"]
    # One save per handled page, the last one the cursor consume returned.
    assert len(result["saved"]) == len(result["seen"])
    assert result["saved"][-1] == result["cursor"]


async def test_the_gateways_refusals_are_seatgate_errors(
    client: TestClient, org: dict[str, Any]
) -> None:
    product = await new_product_client(client, org["id"])
    base = str(client.make_url(""))

    def refusals() -> list[tuple[int, str]]:
        found = []
        with TokenClient(base, product["client_id"], "wrong-secret") as wrong:
            try:
                wrong.issue(org["id"], user_name="ada@example.test")
            except SeatgateError as error:
                found.append((error.status, error.error))
        with DirectoryClient(base, product["client_id"], product["client_secret"]) as directory:
            try:
                directory.user(org["id"], "no-such-user")
            except SeatgateError as error:
                found.append((error.status, error.error))
        return found

    assert await asyncio.to_thread(refusals) == [(401, "invalid_client"), (404, "not_found")]
    with pytest.raises(ValueError):
        TokenClient(base, "id", "secret").issue(org["id"], user_name="a", user_id="b")


def test_a_410_is_cursor_expired_and_other_answers_keep_their_code() -> None:
    expired = errors.error_from(410, {"error": "cursor_expired", "detail": "resync"}, "")
    assert isinstance(expired, CursorExpired)
    assert (expired.status, expired.error) == (410, "cursor_expired")
    proxy = errors.error_from(502, None, "<html>Bad Gateway</html>")
    assert not isinstance(proxy, CursorExpired)
    assert (proxy.status, proxy.error) == (502, "http_error")
