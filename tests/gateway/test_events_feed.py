"""GET /directory/v1/events: the product follows what changed with a cursor, oldest first,
scoped to the orgs its client may see, and is told (410) when its cursor fell out of retention."""

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats import feed
from seats.clock import utcnow
from tests.auth.conftest import basic, new_product_client
from tests.gateway.events_support import feed_page, read_all
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, create_user


async def product_headers(client: TestClient, org_id: str | None = None) -> dict[str, str]:
    credentials = await new_product_client(client, org_id)
    return basic(credentials["client_id"], credentials["client_secret"])


async def test_a_provisioned_user_appears_in_the_feed_with_its_seat(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    product = await product_headers(client)
    user = await create_user(client, scim, "ann@example.com", externalId="okta-1")

    events, _ = await read_all(client, product)

    assert [e["type"] for e in events] == ["member.created", "member.seat_changed"]
    created, seated = events
    assert created["org_id"] == org["id"]
    assert created["id"].startswith("evt_")
    assert created["created_at"].endswith("Z")
    assert created["data"]["id"] == user["id"]
    assert created["data"]["user_name"] == "ann@example.com"
    assert created["data"]["external_id"] == "okta-1"
    assert created["data"]["seat_status"] == "active"
    assert seated["data"] == {
        "member_id": user["id"],
        "seat_status": "active",
        "previous_seat_status": None,
        "reason": "created",
        "actor": "scim",
    }


async def test_the_cursor_resumes_after_the_last_event_seen_and_is_given_on_every_page(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    product = await product_headers(client)
    status, empty = await feed_page(client, product)
    assert status == 200
    assert empty["data"] == []
    start = empty["next_cursor"]
    assert start is not None

    for n in range(5):
        await create_user(client, scim, f"user{n}@example.com")
    _, body = await feed_page(client, product, after=start, limit=4)
    assert len(body["data"]) == 4
    assert body["next_cursor"] == body["data"][-1]["id"]
    rest, cursor = await read_all(client, product, after=body["next_cursor"], limit=4)
    ids = [e["id"] for e in body["data"] + rest]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert [int(i[4:]) for i in ids] == sorted(int(i[4:]) for i in ids)

    # Polling from the last cursor answers nothing new, and the same cursor again.
    status, again = await feed_page(client, product, after=cursor)
    assert (status, again) == (200, {"data": [], "next_cursor": cursor})
    await create_user(client, scim, "late@example.com")
    late, _ = await read_all(client, product, after=cursor)
    assert late[0]["data"]["user_name"] == "late@example.com"


async def test_types_select_which_events_a_page_carries(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    product = await product_headers(client)
    user = await create_user(client, scim, "ann@example.com")
    await client.delete(f"{BASE}/Users/{user['id']}", headers=scim)

    events, _ = await read_all(client, product, types="member.created,member.deleted")

    assert [e["type"] for e in events] == ["member.created", "member.deleted"]


async def test_an_org_limited_client_reads_only_its_orgs_events(client: TestClient) -> None:
    acme, globex = await create_org(client, name="Acme"), await create_org(client, name="Globex")
    await create_user(client, await scim_headers_for(client, acme["id"]), "ann@acme.example")
    await create_user(client, await scim_headers_for(client, globex["id"]), "bo@globex.example")
    acme_product = await product_headers(client, acme["id"])
    everyone = await product_headers(client)

    mine, _ = await read_all(client, acme_product)
    assert {e["org_id"] for e in mine} == {acme["id"]}
    status, body = await feed_page(client, acme_product, org_id=globex["id"])
    assert status == 404
    assert body["error"] == "not_found"
    status, unknown = await feed_page(client, everyone, org_id="no-such-org")
    assert (status, unknown["detail"]) == (404, body["detail"].replace(globex["id"], "no-such-org"))

    all_orgs, _ = await read_all(client, everyone)
    assert {e["org_id"] for e in all_orgs} == {acme["id"], globex["id"]}
    just_globex, _ = await read_all(client, everyone, org_id=globex["id"])
    assert {e["data"].get("user_name") for e in just_globex} == {"bo@globex.example", None}


async def test_the_feed_wants_the_product_clients_credentials(client: TestClient) -> None:
    status, body = await feed_page(client, {})
    assert status == 401
    assert body["error"] == "invalid_client"
    status, _ = await feed_page(client, basic("nobody", "wrong"))
    assert status == 401


async def test_bad_parameters_are_400_with_a_sentence(client: TestClient) -> None:
    product = await product_headers(client)
    for params in (
        {"after": "12"},
        {"after": "evt_x"},
        {"after": "evt_999"},
        {"limit": "0"},
        {"limit": "1001"},
        {"types": "member.exploded"},
        {"order": "desc"},
    ):
        status, body = await feed_page(client, product, **params)
        assert status == 400, params
        assert body["error"] == "invalid_request", params
        assert body["detail"], params


async def test_a_cursor_older_than_retention_is_410_not_a_silent_gap(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    product = await product_headers(client)
    await create_user(client, scim, "old@example.com")
    await create_user(client, scim, "new@example.com")
    events, latest = await read_all(client, product)
    oldest_seen = events[0]["id"]

    # Pruning with no retention at all removes every event written so far.
    async with client.app[DATABASE].transaction() as conn:
        pruned = await feed.prune_expired(conn, retention=timedelta(0), now=utcnow())
    assert pruned == 4

    status, body = await feed_page(client, product, after=oldest_seen)
    assert status == 410
    assert body["error"] == "cursor_expired"
    assert "resync" in body["detail"]
    # A consumer that had read everything lost nothing: its cursor still works.
    status, body = await feed_page(client, product, after=latest)
    assert (status, body) == (200, {"data": [], "next_cursor": latest})
    await create_user(client, scim, "after@example.com")
    events, _ = await read_all(client, product, after=latest)
    assert events[0]["data"]["user_name"] == "after@example.com"
