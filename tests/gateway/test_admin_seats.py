"""The admin API for seats: the summary, members by seat status, invites, capacity changes
(immediate and scheduled), the ledger, alerts and deliveries."""

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from seats import members
from seats.clock import utcnow
from seats.model import MemberDraft
from tests.helpers import ADMIN_HEADERS, create_org


async def add_members(client: TestClient, org_id: str, *names: str, **fields: Any) -> list[str]:
    database = client.app[DATABASE]
    ids = []
    for name in names:
        async with database.transaction() as conn:
            draft = MemberDraft(user_name=name, **fields)
            ids.append((await members.create_member(conn, org_id, draft, actor="idp")).id)
    return ids


async def get(client: TestClient, path: str, status: int = 200) -> Any:
    response = await client.get(f"/admin/v1{path}", headers=ADMIN_HEADERS)
    assert response.status == status, await response.text()
    return await response.json()


async def send(client: TestClient, method: str, path: str, body: Any, status: int) -> Any:
    response = await client.request(method, f"/admin/v1{path}", json=body, headers=ADMIN_HEADERS)
    assert response.status == status, await response.text()
    return await response.json() if response.status != 204 else None


async def test_the_seat_summary_counts_capacity_usage_waiting_and_exempt_members(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=2)
    await add_members(client, org["id"], "ann", "bob", "carol")
    await add_members(client, org["id"], "guest", user_type="Guest")
    await send(client, "PATCH", f"/orgs/{org['id']}", {"seat_limit": 3}, 200)
    await send(client, "PATCH", f"/orgs/{org['id']}", {"seat_limit": 4}, 200)
    await send(client, "POST", f"/orgs/{org['id']}/invites", {"email": "dan@acme.test"}, 201)
    seats = await get(client, f"/orgs/{org['id']}/seats")
    assert {k: seats[k] for k in ("capacity", "used", "available", "over_limit")} == {
        "capacity": 4,
        "used": 4,
        "available": 0,
        "over_limit": 0,
    }
    assert (seats["pending_invites"], seats["exempt"]) == (1, 1)


async def test_members_are_listed_by_seat_status(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    await add_members(client, org["id"], "ann", "bob")
    over = await get(client, f"/orgs/{org['id']}/members?seat_status=over_limit")
    assert [m["user_name"] for m in over["data"]] == ["bob"]
    assert over["data"][0]["over_limit_since"] is not None
    everyone = await get(client, f"/orgs/{org['id']}/members")
    assert len(everyone["data"]) == 2
    body = await get(client, f"/orgs/{org['id']}/members?seat_status=nope", 422)
    assert "active, over_limit, pending_invite, deactivated" in body["detail"]


async def test_pending_invites_are_listed_as_pending_invite_seats(client: TestClient) -> None:
    org = await create_org(client, seat_limit=3)
    await send(client, "POST", f"/orgs/{org['id']}/invites", {"email": "new@acme.test"}, 201)
    pending = await get(client, f"/orgs/{org['id']}/members?seat_status=pending_invite")
    assert [m["email"] for m in pending["data"]] == ["new@acme.test"]


async def test_an_invite_is_created_listed_accepted_and_cannot_be_revoked_after(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=2)
    path = f"/orgs/{org['id']}/invites"
    invite = await send(client, "POST", path, {"email": "new@acme.test", "role": "admin"}, 201)
    assert (invite["status"], invite["role"]) == ("pending", "admin")
    listed = await get(client, f"{path}?status=pending")
    assert [i["id"] for i in listed["data"]] == [invite["id"]]
    member = await send(client, "POST", f"{path}/{invite['id']}/accept", {}, 201)
    assert (member["user_name"], member["seat_status"]) == ("new@acme.test", "active")
    refused = await send(client, "DELETE", f"{path}/{invite['id']}", None, 409)
    assert refused["error"] == "invite_not_pending"
    assert (await get(client, f"{path}/{invite['id']}"))["member_id"] == member["id"]


async def test_invite_refusals_say_why(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    path = f"/orgs/{org['id']}/invites"
    await send(client, "POST", path, {"email": "one@acme.test"}, 201)
    duplicate = await send(client, "POST", path, {"email": "one@acme.test"}, 409)
    assert duplicate["error"] == "duplicate_invite"
    full = await send(client, "POST", path, {"email": "two@acme.test"}, 409)
    assert (full["error"], full["capacity"], full["used"]) == ("seat_limit_reached", 1, 1)
    bad = await send(client, "POST", path, {"email": "not-an-address"}, 422)
    assert "email must be an email address" in bad["detail"]
    unknown = await send(client, "POST", path, {"email": "x@acme.test", "colour": 1}, 422)
    assert unknown["error"] == "unknown_field"


async def test_revoking_an_invite_answers_204_and_frees_the_seat(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    invite = await send(client, "POST", f"/orgs/{org['id']}/invites", {"email": "a@b.test"}, 201)
    await add_members(client, org["id"], "waiting")
    await send(client, "DELETE", f"/orgs/{org['id']}/invites/{invite['id']}", None, 204)
    seats = await get(client, f"/orgs/{org['id']}/seats")
    assert (seats["used"], seats["over_limit"], seats["pending_invites"]) == (1, 0, 0)


async def test_a_cut_below_usage_is_409_with_the_counts(client: TestClient) -> None:
    org = await create_org(client, seat_limit=5)
    await add_members(client, org["id"], "ann", "bob", "carol")
    body = await send(client, "PATCH", f"/orgs/{org['id']}", {"seat_limit": 2}, 409)
    assert body["error"] == "cannot_reduce_below_usage"
    assert (body["used"], body["requested"], body["capacity"]) == (3, 2, 5)
    assert (await get(client, f"/orgs/{org['id']}"))["seat_limit"] == 5
    await send(client, "PATCH", f"/orgs/{org['id']}", {"seat_limit": 3}, 200)


async def test_capacity_values_outside_what_is_allowed_are_422_with_a_sentence(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=5)
    for value, fragment in [(-3, "between 0 and"), (1.5, "whole number"), (10**9, "between")]:
        body = await send(client, "PATCH", f"/orgs/{org['id']}", {"seat_limit": value}, 422)
        assert fragment in body["detail"], value
    zero_days = await send(client, "PATCH", f"/orgs/{org['id']}", {"invite_expiry_days": 0}, 422)
    assert "between 1 and" in zero_days["detail"]


async def test_a_cut_is_scheduled_listed_and_canceled(client: TestClient) -> None:
    org = await create_org(client, seat_limit=5)
    await add_members(client, org["id"], "ann", "bob", "carol")
    path = f"/orgs/{org['id']}/capacity-changes"
    at = (utcnow() + timedelta(days=30)).isoformat()
    change = await send(client, "POST", path, {"seat_limit": 1, "effective_at": at}, 201)
    assert change["status"] == "scheduled"
    [warning] = (await get(client, f"/orgs/{org['id']}/alerts?state=open"))["data"]
    assert (warning["kind"], warning["details"]["to_be_demoted"]) == ("downgrade_pending", 2)
    assert (await get(client, path))["data"][0]["id"] == change["id"]
    await send(client, "DELETE", f"{path}/{change['id']}", None, 204)
    assert (await get(client, path))["data"] == []
    assert (await get(client, f"/orgs/{org['id']}/alerts?state=open"))["data"] == []


async def test_bad_scheduled_changes_are_422(client: TestClient) -> None:
    org = await create_org(client, seat_limit=5)
    path = f"/orgs/{org['id']}/capacity-changes"
    past = (utcnow() - timedelta(days=1)).isoformat()
    cases = [
        ({"seat_limit": 1, "effective_at": "tomorrow"}, "ISO 8601"),
        ({"seat_limit": 1, "effective_at": "2030-01-01T00:00:00"}, "timezone"),
        ({"seat_limit": 1, "effective_at": past}, "in the future"),
        ({"seat_limit": -1, "effective_at": "2030-01-01T00:00:00Z"}, "between 0 and"),
        ({"seat_limit": 1}, "effective_at"),
    ]
    for body, fragment in cases:
        answer = await send(client, "POST", path, body, 422)
        assert fragment in answer["detail"], body


async def test_the_ledger_is_paged_oldest_first(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    await add_members(client, org["id"], "ann", "bob", "carol")
    first = await get(client, f"/orgs/{org['id']}/ledger?limit=2")
    assert [(e["from"], e["to"], e["reason"]) for e in first["data"]] == [
        (None, "active", "created"),
        (None, "over_limit", "created"),
    ]
    rest = await get(client, f"/orgs/{org['id']}/ledger?limit=2&after={first['next_cursor']}")
    assert len(rest["data"]) == 1 and rest["next_cursor"] is None
    assert (await get(client, f"/orgs/{org['id']}/ledger?limit=0", 400))["error"] == (
        "invalid_request"
    )


async def test_alerts_and_their_deliveries_are_readable(client: TestClient) -> None:
    org = await create_org(client, seat_limit=0, admin_emails=["admin@acme.test"])
    await add_members(client, org["id"], "ann")
    [alert] = (await get(client, f"/orgs/{org['id']}/alerts"))["data"]
    assert (alert["kind"], alert["state"], alert["details"]["over_limit"]) == (
        "seat_limit_reached",
        "open",
        1,
    )
    assert (await get(client, f"/orgs/{org['id']}/deliveries"))["data"] == []
    assert (await get(client, f"/orgs/{org['id']}/alerts?kind=nope", 422))["error"] == (
        "invalid_value"
    )


async def test_changing_the_exempt_list_reclassifies_members_at_once(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    await add_members(client, org["id"], "c1", "c2", user_type="Contractor")
    await send(client, "PATCH", f"/orgs/{org['id']}", {"exempt_user_types": ["Contractor"]}, 200)
    seats = await get(client, f"/orgs/{org['id']}/seats")
    assert (seats["used"], seats["over_limit"], seats["exempt"]) == (0, 0, 2)


async def test_seat_routes_of_an_unknown_org_are_404(client: TestClient) -> None:
    for path in ("seats", "members", "ledger", "alerts", "invites", "capacity-changes"):
        assert (await get(client, f"/orgs/nope/{path}", 404))["error"] == "not_found"
