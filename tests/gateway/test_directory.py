"""The directory API's users: what a user carries, keyset paging that yields every user once,
the seat_status and updated_since filters, product-client authentication, and bad input."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats.members import create_member
from seats.model import MemberDraft
from tests.auth.conftest import basic, new_product_client
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, create_user
from tests.scim.test_groups import create_group
from tests.seats.test_groups import insert_users

DIRECTORY = "/directory/v1"


async def product_headers(client: TestClient, org_id: str | None) -> dict[str, str]:
    """HTTP Basic headers of a new product client of `org_id` (global when None)."""
    credentials = await new_product_client(client, org_id)
    return basic(credentials["client_id"], credentials["client_secret"])


async def get(
    client: TestClient, path: str, headers: dict[str, str], **params: Any
) -> tuple[int, Any]:
    response = await client.get(f"{DIRECTORY}{path}", params=params, headers=headers)
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


async def every_page(
    client: TestClient, path: str, headers: dict[str, str], **params: Any
) -> list[list[dict[str, Any]]]:
    """Follow next_cursor from the first page to the last; the pages' data, in order."""
    pages = []
    cursor = None
    while True:
        status, body = await get(
            client, path, headers, **params, **({"after": cursor} if cursor else {})
        )
        assert status == 200, body
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "paging does not end"


async def test_a_user_carries_its_identity_emails_name_seat_and_groups(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    created = await create_user(
        client,
        scim,
        "bjensen@example.com",
        externalId="okta-00u1",
        displayName="Babs Jensen",
        name={"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara Jensen"},
        emails=[
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@home.example", "type": "home"},
        ],
    )
    group = await create_group(client, scim, "Engineering", created["id"])
    headers = await product_headers(client, org["id"])

    status, user = await get(client, f"/orgs/{org['id']}/users/{created['id']}", headers)
    assert status == 200, user
    assert user == {
        "id": created["id"],
        "user_name": "bjensen@example.com",
        "external_id": "okta-00u1",
        "active": True,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@home.example", "type": "home", "primary": False},
        ],
        "name": {
            "given_name": "Barbara",
            "family_name": "Jensen",
            "formatted": "Ms. Barbara Jensen",
        },
        "display_name": "Babs Jensen",
        "seat_status": "active",
        "seat_reason": "created",
        "groups": [{"id": group["id"], "display_name": "Engineering"}],
        "created_at": user["created_at"],
        "updated_at": user["updated_at"],
    }
    assert datetime.fromisoformat(user["created_at"]).utcoffset() == timedelta(0)
    status, listing = await get(client, f"/orgs/{org['id']}/users", headers)
    assert listing == {"data": [user], "next_cursor": None}


async def test_without_stored_emails_the_members_email_is_shown_and_the_name_is_joined(
    client: TestClient, org: dict[str, Any]
) -> None:
    async with client.app[DATABASE].transaction() as conn:
        member = await create_member(
            conn,
            org["id"],
            MemberDraft(
                user_name="ada", email="ada@example.com", given_name="Ada", family_name="Lovelace"
            ),
            actor="test",
        )
    headers = await product_headers(client, org["id"])
    status, user = await get(client, f"/orgs/{org['id']}/users/{member.id}", headers)
    assert status == 200
    assert user["emails"] == [{"value": "ada@example.com", "type": None, "primary": True}]
    assert user["name"] == {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "formatted": "Ada Lovelace",
    }
    assert user["groups"] == []


async def test_the_seat_reason_is_why_the_latest_seat_change_happened(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=1)
    scim = await scim_headers_for(client, org["id"])
    first = await create_user(client, scim, "first@example.com")
    second = await create_user(client, scim, "second@example.com")
    headers = await product_headers(client, org["id"])
    _, listing = await get(client, f"/orgs/{org['id']}/users", headers)
    assert [(u["seat_status"], u["seat_reason"]) for u in listing["data"]] == [
        ("active", "created"),
        ("over_limit", "created"),
    ]

    response = await client.delete(f"{BASE}/Users/{first['id']}", headers=scim)
    assert response.status == 204
    _, promoted = await get(client, f"/orgs/{org['id']}/users/{second['id']}", headers)
    assert (promoted["seat_status"], promoted["seat_reason"]) == ("active", "promoted")


async def test_paging_yields_every_user_exactly_once_in_creation_order(
    client: TestClient, org: dict[str, Any]
) -> None:
    # Inserted in one statement, so all 25 share one created_at: the id breaks the tie.
    async with client.app[DATABASE].transaction() as conn:
        ids = await insert_users(conn, org["id"], 25)
    headers = await product_headers(client, org["id"])

    pages = await every_page(client, f"/orgs/{org['id']}/users", headers, limit=7)
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    seen = [user["id"] for page in pages for user in page]
    assert seen == sorted(ids)

    _, whole = await get(client, f"/orgs/{org['id']}/users", headers)
    assert len(whole["data"]) == 25 and whole["next_cursor"] is None
    exact = await every_page(client, f"/orgs/{org['id']}/users", headers, limit=5)
    assert [len(page) for page in exact] == [5] * 5


async def test_a_user_created_while_paging_is_neither_skipped_nor_repeated(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    early = [(await create_user(client, scim, f"early{n}@example.com"))["id"] for n in range(3)]
    headers = await product_headers(client, org["id"])
    _, first = await get(client, f"/orgs/{org['id']}/users", headers, limit=2)
    late = (await create_user(client, scim, "late@example.com"))["id"]
    _, rest = await get(
        client, f"/orgs/{org['id']}/users", headers, limit=10, after=first["next_cursor"]
    )
    seen = [u["id"] for u in first["data"] + rest["data"]]
    assert seen == [*early, late]


async def test_users_filter_by_seat_status_and_updated_since_alone_and_together(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=2)
    scim = await scim_headers_for(client, org["id"])
    names = ("a", "b", "c", "d")
    ids = {n: (await create_user(client, scim, f"{n}@example.com"))["id"] for n in names}
    headers = await product_headers(client, org["id"])
    path = f"/orgs/{org['id']}/users"

    async def user_names(**params: Any) -> list[str]:
        status, body = await get(client, path, headers, **params)
        assert status == 200, body
        return [u["user_name"].split("@")[0] for u in body["data"]]

    assert await user_names(seat_status="active") == ["a", "b"]
    assert await user_names(seat_status="over_limit") == ["c", "d"]
    assert await user_names(seat_status="deactivated") == []

    _, c = await get(client, f"{path}/{ids['c']}", headers)
    since = datetime.fromisoformat(c["updated_at"])
    response = await client.patch(
        f"{BASE}/Users/{ids['a']}",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "A"}],
        },
        headers=scim,
    )
    assert response.status == 200
    assert await user_names(updated_since=since.isoformat()) == ["a", "c", "d"]
    # "Z", another offset, and an unencoded "+" (which the query string turns into a space).
    zulu = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert await user_names(updated_since=zulu) == ["a", "c", "d"]
    paris = since.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert await user_names(updated_since=paris) == ["a", "c", "d"]
    status, spaced = await get(client, f"{path}?updated_since={since.isoformat()}", headers)
    assert status == 200 and len(spaced["data"]) == 3
    later = (since + timedelta(days=1)).isoformat()
    assert await user_names(updated_since=later) == []
    assert await user_names(updated_since=since.isoformat(), seat_status="active") == ["a"]
    assert await user_names(updated_since=since.isoformat(), seat_status="over_limit", limit=1) == [
        "c"
    ]


async def test_without_or_with_wrong_credentials_the_answer_is_401_with_a_basic_challenge(
    client: TestClient, org: dict[str, Any]
) -> None:
    credentials = await new_product_client(client, org["id"])
    path = f"{DIRECTORY}/orgs/{org['id']}/users"
    for headers in (
        {},
        basic(credentials["client_id"], "sgclient_wrong"),
        basic("no-such-client", credentials["client_secret"]),
        {"Authorization": f"Bearer {credentials['client_secret']}"},
        {"Authorization": "Basic not-base64!"},
    ):
        response = await client.get(path, headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="seatgate"')
        assert (await response.json())["error"] == "invalid_client"

    response = await client.delete(
        f"/admin/v1/orgs/{org['id']}/clients/{credentials['client_id']}", headers=ADMIN_HEADERS
    )
    assert response.status == 204
    revoked = basic(credentials["client_id"], credentials["client_secret"])
    assert (await client.get(path, headers=revoked)).status == 401


async def test_failed_authentications_are_throttled_together_with_the_token_endpoint(
    client: TestClient, org: dict[str, Any]
) -> None:
    credentials = await new_product_client(client, org["id"])
    wrong = basic(credentials["client_id"], "sgclient_wrong")
    path = f"{DIRECTORY}/orgs/{org['id']}/users"
    for _ in range(10):
        assert (await client.get(path, headers=wrong)).status == 401
    right = basic(credentials["client_id"], credentials["client_secret"])
    for response in (
        await client.get(path, headers=right),
        await client.post("/auth/v1/tokens", json={}, headers=right),
    ):
        assert response.status == 429
        assert (await response.json())["error"] == "too_many_attempts"
        assert int(response.headers["Retry-After"]) > 0


async def test_every_bad_input_is_a_400_that_says_what_is_allowed(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    await create_user(client, scim, "ada@example.com")
    await create_group(client, scim, "Everyone")
    headers = await product_headers(client, org["id"])
    users = f"{DIRECTORY}/orgs/{org['id']}/users"
    _, groups_page = await get(client, f"/orgs/{org['id']}/groups", headers, limit=1)
    await create_group(client, scim, "Second")
    _, groups_page = await get(client, f"/orgs/{org['id']}/groups", headers, limit=1)
    group_cursor = groups_page["next_cursor"]
    assert group_cursor is not None

    cases = [
        ("limit=0", "invalid_request", "1 to 1000"),
        ("limit=1001", "invalid_request", "1 to 1000"),
        ("limit=abc", "invalid_request", "1 to 1000"),
        ("limit=-1", "invalid_request", "1 to 1000"),
        ("limit=", "invalid_request", "1 to 1000"),
        ("limit=1&limit=2", "invalid_request", "at most once"),
        ("after=not-a-cursor", "invalid_cursor", "next_cursor"),
        ("after=", "invalid_cursor", "next_cursor"),
        ("after=W10", "invalid_cursor", "next_cursor"),
        (f"after={group_cursor}", "invalid_cursor", "next_cursor"),
        ("seat_status=vip", "invalid_request", "active, over_limit, pending_invite, deactivated"),
        ("updated_since=yesterday", "invalid_request", "ISO 8601"),
        ("updated_since=2026-11-23T09:30:00", "invalid_request", "timezone"),
        ("updated_since=2026-11-23", "invalid_request", "timezone"),
        ("seat_statuss=active", "invalid_request", "allowed: after, limit, seat_status"),
    ]
    for query, code, says in cases:
        response = await client.get(f"{users}?{query}", headers=headers)
        body = await response.json()
        assert response.status == 400, (query, body)
        assert body["error"] == code, (query, body)
        assert says in body["detail"], (query, body)
