"""Every admin and scheduled path that moves seats records its events (issue 11): capacity set
by an admin, scheduled cuts applied (by the worker, or by the next seat decision), auto_expand
and exemption changes. Invites are in test_events_from_invites.py. The seat ledger agrees with
the feed throughout."""

from datetime import timedelta

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from gateway.worker import run_scheduled
from seats import capacity
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


async def test_an_admin_raise_of_the_seat_limit_records_capacity_changed_and_promotes_oldest_first(
    client: TestClient,
) -> None:
    org_id, _, (_ann, bo, cy, di) = await full_org(client, 1, "ann", "bo", "cy", "di")
    product = await Product.follow(client, org_id)

    await admin(client, "PATCH", f"/orgs/{org_id}", {"seat_limit": 3})

    events = await product.new()
    assert types(events) == [
        "org.capacity_changed",
        "member.seat_changed",
        "member.seat_changed",
    ]
    assert events[0]["data"] == {
        "seat_limit": 3,
        "previous_seat_limit": 1,
        "source": "admin",
        "actor": "admin",
    }
    assert [e["data"] for e in events[1:]] == [
        seat_change(bo, "active", "over_limit", "promoted", "admin"),
        seat_change(cy, "active", "over_limit", "promoted", "admin"),
    ]

    await admin(client, "PATCH", f"/orgs/{org_id}", {"seat_limit": None})
    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.seat_changed", "alert.raised"]
    assert (events[0]["data"]["seat_limit"], events[0]["data"]["previous_seat_limit"]) == (None, 3)
    assert events[1]["data"] == seat_change(di, "active", "over_limit", "promoted", "admin")
    assert events[2]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(client, org_id)


async def test_an_admin_patch_that_keeps_the_seat_limit_records_nothing(
    client: TestClient,
) -> None:
    org_id, _, _ = await full_org(client, 2, "ann")
    product = await Product.follow(client, org_id)

    await admin(client, "PATCH", f"/orgs/{org_id}", {"seat_limit": 2})

    assert await product.new() == []


async def test_a_scheduled_cut_warns_then_records_capacity_changed_and_demotes_the_newest(
    client: TestClient,
) -> None:
    org_id, _, (_ann, bo, cy) = await full_org(client, 3, "ann", "bo", "cy")
    product = await Product.follow(client, org_id)
    at = utcnow() + timedelta(days=1)

    await admin(
        client,
        "POST",
        f"/orgs/{org_id}/capacity-changes",
        {"seat_limit": 1, "effective_at": at.isoformat()},
    )
    events = await product.new()
    assert types(events) == ["alert.raised"]
    assert events[0]["data"]["kind"] == "downgrade_pending"
    assert events[0]["data"]["details"]["to_be_demoted"] == 2

    assert await run_scheduled(client.app[DATABASE], now=at + timedelta(seconds=1)) == 1
    events = await product.new()
    assert types(events) == [
        "org.capacity_changed",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
        "alert.raised",
    ]
    assert events[0]["data"] == {
        "seat_limit": 1,
        "previous_seat_limit": 3,
        "source": "schedule",
        "actor": "schedule",
    }
    # The newest seat holders give their seats back first.
    assert [e["data"] for e in events[1:3]] == [
        seat_change(cy, "over_limit", "active", "downgrade_enforced", "schedule"),
        seat_change(bo, "over_limit", "active", "downgrade_enforced", "schedule"),
    ]
    assert [e["data"]["kind"] for e in events[3:]] == ["downgrade_enforced", "seat_limit_reached"]
    assert sorted(events[3]["data"]["details"]["demoted_member_ids"]) == sorted([bo, cy])
    await assert_ledger_agrees(client, org_id)


async def test_under_auto_expand_a_provisioned_user_records_the_capacity_it_grew_to(
    client: TestClient,
) -> None:
    org_id, scim, _ = await full_org(client, 1, "ann", seat_policy="auto_expand", max_seats=2)
    product = await Product.follow(client, org_id)

    bo = await provision(client, scim, "bo@acme.test")
    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.created", "member.seat_changed"]
    assert events[0]["data"] == {
        "seat_limit": 2,
        "previous_seat_limit": 1,
        "source": "auto_expand",
        "actor": "scim",
    }
    assert events[2]["data"] == seat_change(bo["id"], "active", None, "auto_expanded", "scim")

    # Past max_seats the org stops growing: the next user waits.
    cy = await provision(client, scim, "cy@acme.test")
    assert seat_status(cy) == "over_limit"
    assert await product.new_types() == ["member.created", "member.seat_changed", "alert.raised"]

    # A higher cap lets the waiting member in, through another expansion.
    await admin(client, "PATCH", f"/orgs/{org_id}", {"max_seats": 5})
    events = await product.new()
    assert types(events) == ["org.capacity_changed", "member.seat_changed", "alert.raised"]
    assert (events[0]["data"]["seat_limit"], events[0]["data"]["source"]) == (3, "auto_expand")
    assert events[1]["data"] == seat_change(cy["id"], "active", "over_limit", "promoted", "admin")
    assert events[2]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(client, org_id)


async def test_a_cut_that_fell_due_is_applied_and_recorded_before_the_next_scim_request(
    client: TestClient,
) -> None:
    org_id, scim, (_ann, bo) = await full_org(client, 2, "ann", "bo")
    async with client.app[DATABASE].transaction() as conn:
        await capacity.schedule_capacity_change(
            conn,
            org_id,
            1,
            effective_at=utcnow() - timedelta(seconds=1),
            actor="admin",
            # Scheduled yesterday, due a second ago: the worker has not run since.
            now=utcnow() - timedelta(days=1),
        )
    product = await Product.follow(client, org_id)

    cy = await provision(client, scim, "cy@acme.test")

    events = await product.new()
    assert types(events) == [
        "org.capacity_changed",
        "member.seat_changed",
        "alert.raised",
        "alert.raised",
        "member.created",
        "member.seat_changed",
        "alert.raised",
    ]
    assert (events[0]["data"]["source"], events[0]["data"]["seat_limit"]) == ("schedule", 1)
    assert events[1]["data"] == seat_change(
        bo, "over_limit", "active", "downgrade_enforced", "schedule"
    )
    assert seat_status(cy) == events[4]["data"]["seat_status"] == "over_limit"
    assert events[5]["data"] == seat_change(cy["id"], "over_limit", None, "created", "scim")
    await assert_ledger_agrees(client, org_id)


async def test_an_admin_releasing_a_seat_and_giving_it_to_a_waiting_member_records_both_moves(
    client: TestClient,
) -> None:
    org_id, _, (ann, bo) = await full_org(client, 1, "ann", "bo")
    product = await Product.follow(client, org_id)

    released = await admin(client, "POST", f"/orgs/{org_id}/members/{ann}/release-seat", {})
    events = await product.new()
    # The freed seat stays free for the admin to give: nobody is promoted into it.
    assert types(events) == ["member.seat_changed", "alert.raised"]
    assert events[0]["data"] == seat_change(ann, "over_limit", "active", "seat_released", "admin")
    assert released["seat_status"] == "over_limit"
    assert events[1]["data"]["details"]["over_limit"] == 2

    assigned = await admin(client, "POST", f"/orgs/{org_id}/members/{bo}/assign-seat", {})
    events = await product.new()
    assert types(events) == ["member.seat_changed"]
    assert events[0]["data"] == seat_change(bo, "active", "over_limit", "seat_assigned", "admin")
    assert assigned["seat_status"] == "active"
    await assert_ledger_agrees(client, org_id)
