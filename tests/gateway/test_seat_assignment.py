"""An admin moves seats by hand: releases Ann's seat (she waits over the limit and is not
promoted back by herself) and gives the free seat to Bo, who was waiting."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.auth.conftest import basic, new_product_client
from tests.gateway.events_support import read_all
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, SEAT, create_user, patch_body


async def seat_action(client: TestClient, org_id: str, member_id: str, action: str) -> Any:
    path = f"/admin/v1/orgs/{org_id}/members/{member_id}/{action}"
    response = await client.post(path, headers=ADMIN_HEADERS)
    return response.status, await response.json()


async def seats_of(client: TestClient, org_id: str) -> dict[str, Any]:
    response = await client.get(f"/admin/v1/orgs/{org_id}/seats", headers=ADMIN_HEADERS)
    return await response.json()


async def test_an_admin_releases_anns_seat_and_gives_it_to_bo(client: TestClient) -> None:
    org = await create_org(client, seat_limit=1)
    scim = await scim_headers_for(client, org["id"])
    ann = await create_user(client, scim, "ann@example.com")
    cy = await create_user(client, scim, "cy@example.com")
    bo = await create_user(client, scim, "bo@example.com")
    assert [u[SEAT]["seatStatus"] for u in (ann, cy, bo)] == ["active", "over_limit", "over_limit"]

    status, released = await seat_action(client, org["id"], ann["id"], "release-seat")
    assert status == 200
    assert (released["seat_status"], released["seat_held"]) == ("over_limit", True)
    # The freed seat is the admin's to give: nobody was promoted into it.
    assert (await seats_of(client, org["id"]))["available"] == 1
    cy_now = await (await client.get(f"{BASE}/Users/{cy['id']}", headers=scim)).json()
    assert cy_now[SEAT]["seatStatus"] == "over_limit"

    status, assigned = await seat_action(client, org["id"], bo["id"], "assign-seat")
    assert status == 200
    assert (assigned["seat_status"], assigned["seat_held"]) == ("active", False)
    summary = await seats_of(client, org["id"])
    assert (summary["used"], summary["available"], summary["over_limit"]) == (1, 0, 2)

    credentials = await new_product_client(client)
    events, _ = await read_all(
        client,
        basic(credentials["client_id"], credentials["client_secret"]),
        types="member.seat_changed",
    )
    moves = [(e["data"]["member_id"], e["data"]["reason"]) for e in events[-2:]]
    assert moves == [(ann["id"], "seat_released"), (bo["id"], "seat_assigned")]


async def test_a_released_member_waits_until_assigned_while_others_are_promoted(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=2)
    scim = await scim_headers_for(client, org["id"])
    ann = await create_user(client, scim, "ann@example.com")
    dee = await create_user(client, scim, "dee@example.com")
    await seat_action(client, org["id"], ann["id"], "release-seat")
    cy = await create_user(client, scim, "cy@example.com")  # takes the free seat
    eve = await create_user(client, scim, "eve@example.com")  # waits
    assert eve[SEAT]["seatStatus"] == "over_limit"

    # Dee leaves: the seat goes to Eve, the oldest waiting member who was not released.
    deactivate = patch_body({"op": "replace", "path": "active", "value": False})
    await client.patch(f"{BASE}/Users/{dee['id']}", json=deactivate, headers=scim)

    statuses = {}
    for user in (ann, cy, eve):
        body = await (await client.get(f"{BASE}/Users/{user['id']}", headers=scim)).json()
        statuses[body["userName"]] = body[SEAT]["seatStatus"]
    assert statuses == {
        "ann@example.com": "over_limit",
        "cy@example.com": "active",
        "eve@example.com": "active",
    }


async def test_seat_moves_that_cannot_happen_are_refused_with_the_reason(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=1)
    scim = await scim_headers_for(client, org["id"])
    ann = await create_user(client, scim, "ann@example.com")
    bo = await create_user(client, scim, "bo@example.com")
    guest = await create_user(client, scim, "guest@example.com", userType="Guest")

    status, body = await seat_action(client, org["id"], bo["id"], "release-seat")
    assert (status, body["error"]) == (409, "conflict")
    assert "holds no seat" in body["detail"]
    status, body = await seat_action(client, org["id"], guest["id"], "release-seat")
    assert (status, body["error"]) == (409, "conflict")
    status, body = await seat_action(client, org["id"], ann["id"], "assign-seat")
    assert (status, body["error"]) == (409, "conflict")
    status, body = await seat_action(client, org["id"], bo["id"], "assign-seat")
    assert (status, body["error"]) == (409, "seat_limit_reached")
    assert "no seat is free" in body["detail"]
    status, body = await seat_action(client, org["id"], "no-such-user", "assign-seat")
    assert (status, body["error"]) == (404, "not_found")
    other = await create_org(client, name="Other")
    status, body = await seat_action(client, other["id"], ann["id"], "release-seat")
    assert status == 404
