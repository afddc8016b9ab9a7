"""Invites record their events (issue 11): made by an admin, claimed when the IdP provisions
the address, accepted through the admin API, revoked by an admin or by a capacity cut, and
expired (by the worker, or by the next seat decision). The seat ledger agrees with the feed."""

from datetime import timedelta

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from gateway.worker import run_scheduled
from seats import invites
from seats.clock import utcnow
from tests.gateway.event_paths_support import (
    Product,
    admin,
    assert_ledger_agrees,
    full_org,
    provision,
    seat_change,
    seat_status,
    types,
)


async def test_an_invite_records_invite_created_and_the_idp_claiming_it_records_invite_accepted(
    client: TestClient,
) -> None:
    org_id, scim, _ = await full_org(client, 2, "ann")
    product = await Product.follow(client, org_id)

    invite = await admin(client, "POST", f"/orgs/{org_id}/invites", {"email": "New@Acme.test"})
    events = await product.new()
    assert types(events) == ["invite.created"]
    assert events[0]["data"] == {
        "invite_id": invite["id"],
        "email": "New@Acme.test",
        "reason": "invited",
        "actor": "admin",
    }

    new = await provision(client, scim, "new@acme.test", emails=[{"value": "new@acme.test"}])
    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed"]
    assert seat_status(new) == events[0]["data"]["seat_status"] == "active"
    assert events[1]["data"] == seat_change(
        new["id"], "active", "pending_invite", "invite_accepted", "scim"
    )
    [entry] = (await admin(client, "GET", f"/orgs/{org_id}/ledger?member_id={new['id']}"))["data"]
    assert (entry["invite_id"], entry["reason"]) == (invite["id"], "invite_accepted")
    await assert_ledger_agrees(client, org_id)


async def test_an_invite_accepted_through_the_admin_api_records_the_new_member_taking_its_seat(
    client: TestClient,
) -> None:
    org_id, _, _ = await full_org(client, 1)
    invite = await admin(client, "POST", f"/orgs/{org_id}/invites", {"email": "new@acme.test"})
    product = await Product.follow(client, org_id)

    member = await admin(client, "POST", f"/orgs/{org_id}/invites/{invite['id']}/accept", {})

    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed"]
    assert events[0]["data"]["user_name"] == "new@acme.test"
    assert events[1]["data"] == seat_change(
        member["id"], "active", "pending_invite", "invite_accepted", "admin"
    )
    await assert_ledger_agrees(client, org_id)


async def test_a_revoked_invite_records_invite_revoked_and_its_seat_goes_to_the_oldest_waiting(
    client: TestClient,
) -> None:
    org_id, scim, _ = await full_org(client, 1)
    invite = await admin(client, "POST", f"/orgs/{org_id}/invites", {"email": "new@acme.test"})
    bo = await provision(client, scim, "bo@acme.test")
    assert seat_status(bo) == "over_limit"
    product = await Product.follow(client, org_id)

    await admin(client, "DELETE", f"/orgs/{org_id}/invites/{invite['id']}")

    events = await product.new()
    assert types(events) == ["invite.revoked", "member.seat_changed", "alert.raised"]
    assert events[0]["data"] == {
        "invite_id": invite["id"],
        "reason": "invite_revoked",
        "actor": "admin",
    }
    assert events[1]["data"] == seat_change(bo["id"], "active", "over_limit", "promoted", "admin")
    assert events[2]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(client, org_id)


async def test_an_expired_invite_records_invite_expired_and_its_seat_goes_to_the_oldest_waiting(
    client: TestClient,
) -> None:
    org_id, scim, _ = await full_org(client, 1, invite_expiry_days=1)
    invite = await admin(client, "POST", f"/orgs/{org_id}/invites", {"email": "new@acme.test"})
    bo = await provision(client, scim, "bo@acme.test")
    product = await Product.follow(client, org_id)

    # Not yet due: nothing happens.
    assert await run_scheduled(client.app[DATABASE], now=utcnow() + timedelta(hours=23)) == 0
    assert await product.new() == []
    assert await run_scheduled(client.app[DATABASE], now=utcnow() + timedelta(days=1, hours=1)) == 1

    events = await product.new()
    assert types(events) == ["invite.expired", "member.seat_changed", "alert.raised"]
    assert events[0]["data"] == {
        "invite_id": invite["id"],
        "reason": "invite_expired",
        "actor": "system",
    }
    assert events[1]["data"] == seat_change(bo["id"], "active", "over_limit", "promoted", "system")
    assert events[2]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(client, org_id)


async def test_an_invite_past_its_expiry_is_recorded_expired_by_the_next_seat_decision_first(
    client: TestClient,
) -> None:
    org_id, scim, _ = await full_org(client, 1, invite_expiry_days=1)
    async with client.app[DATABASE].transaction() as conn:
        invite = await invites.create_invite(
            conn, org_id, "new@acme.test", actor="admin", now=utcnow() - timedelta(days=2)
        )
    product = await Product.follow(client, org_id)

    bo = await provision(client, scim, "bo@acme.test")

    events = await product.new()
    assert types(events) == ["invite.expired", "member.created", "member.seat_changed"]
    assert events[0]["data"]["invite_id"] == invite.id
    assert events[2]["data"] == seat_change(bo["id"], "active", None, "created", "scim")
    await assert_ledger_agrees(client, org_id)


async def test_a_capacity_cut_takes_the_seat_back_from_the_newest_invite_as_invite_revoked(
    client: TestClient,
) -> None:
    org_id, _, _ = await full_org(client, 2, "ann")
    invite = await admin(client, "POST", f"/orgs/{org_id}/invites", {"email": "new@acme.test"})
    at = utcnow() + timedelta(days=1)
    await admin(
        client,
        "POST",
        f"/orgs/{org_id}/capacity-changes",
        {"seat_limit": 1, "effective_at": at.isoformat()},
    )
    product = await Product.follow(client, org_id)

    await run_scheduled(client.app[DATABASE], now=at + timedelta(seconds=1))

    events = await product.new()
    assert types(events) == ["org.capacity_changed", "invite.revoked", "alert.raised"]
    assert events[1]["data"] == {
        "invite_id": invite["id"],
        "reason": "downgrade_enforced",
        "actor": "schedule",
    }
    details = events[2]["data"]["details"]
    assert (events[2]["data"]["kind"], details["demoted"], details["revoked_invites"]) == (
        "downgrade_enforced",
        0,
        1,
    )
    await assert_ledger_agrees(client, org_id)
