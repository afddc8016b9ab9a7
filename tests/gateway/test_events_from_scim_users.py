"""Every SCIM path that changes a User records its events (issue 11): POST, PUT, PATCH and
DELETE (Bulk: test_events_from_scim_bulk.py), including the seats they take, free and hand on,
and the ledger agrees with the feed.

Each test follows one org's feed with a product client and asserts, step by step, the exact
sequence of event types and the data a product relies on."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.event_paths_support import (
    Product,
    assert_ledger_agrees,
    create_group,
    data_of,
    patch_user,
    provision,
    scim_call,
    seat_change,
    seat_status,
    types,
)
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import user_payload


async def limited_org(client: TestClient, seat_limit: int) -> tuple[str, dict[str, str]]:
    org = await create_org(client, seat_limit=seat_limit)
    return org["id"], await scim_headers_for(client, org["id"])


def deactivate() -> dict[str, Any]:
    return {"op": "replace", "path": "active", "value": False}


async def test_a_scim_post_records_member_created_and_the_seat_it_got_and_over_the_limit_an_alert(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    product = await Product.follow(client, org_id)

    ann = await provision(client, scim, "ann@acme.test", externalId="okta-ann")
    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed"]
    created, seated = (e["data"] for e in events)
    assert (created["id"], created["user_name"], created["external_id"]) == (
        ann["id"],
        "ann@acme.test",
        "okta-ann",
    )
    assert created["seat_status"] == seat_status(ann) == "active"
    assert seated == seat_change(ann["id"], "active", None, "created", "scim")

    bo = await provision(client, scim, "bo@acme.test")
    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed", "alert.raised"]
    assert events[0]["data"]["seat_status"] == seat_status(bo) == "over_limit"
    assert events[1]["data"] == seat_change(bo["id"], "over_limit", None, "created", "scim")
    alert = events[2]["data"]
    assert alert["kind"] == "seat_limit_reached"
    assert (alert["details"]["over_limit"], alert["details"]["capacity"]) == (1, 1)
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_post_of_a_deactivated_user_records_it_without_a_seat(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    product = await Product.follow(client, org_id)

    ann = await provision(client, scim, "ann@acme.test", active=False)

    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed"]
    assert events[1]["data"] == seat_change(ann["id"], "deactivated", None, "created", "scim")
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_put_that_renames_a_user_records_member_updated_and_no_seat_change(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 5)
    ann = await provision(client, scim, "ann@acme.test")
    product = await Product.follow(client, org_id)

    body = user_payload("ann@acme.test", displayName="Ann Smith", externalId="okta-ann")
    _, put = await scim_call(client, scim, "PUT", f"/Users/{ann['id']}", body)

    events = await product.new()
    assert types(events) == ["member.updated"]
    updated = events[0]["data"]
    assert (updated["id"], updated["display_name"], updated["external_id"]) == (
        ann["id"],
        "Ann Smith",
        "okta-ann",
    )
    assert updated["seat_status"] == seat_status(put) == "active"
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_put_that_says_what_is_stored_records_nothing_and_keeps_the_etag(
    client: TestClient,
) -> None:
    """Okta PUTs the whole user it read back after a profile push, changed or not."""
    org_id, scim = await limited_org(client, 5)
    ann = await provision(client, scim, "ann@acme.test", displayName="Ann")
    product = await Product.follow(client, org_id)

    body = user_payload("ann@acme.test", displayName="Ann")
    _, same = await scim_call(client, scim, "PUT", f"/Users/{ann['id']}", body)
    _, read = await scim_call(client, scim, "GET", f"/Users/{ann['id']}")
    _, echoed = await scim_call(client, scim, "PUT", f"/Users/{ann['id']}", read)

    assert await product.new() == []
    assert same["meta"]["version"] == echoed["meta"]["version"] == ann["meta"]["version"]


async def test_a_scim_put_with_active_false_frees_the_seat_and_promotes_the_oldest_waiting_member(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test")
    bo = await provision(client, scim, "bo@acme.test")
    await provision(client, scim, "cy@acme.test")
    product = await Product.follow(client, org_id)

    body = user_payload("ann@acme.test", active=False)
    _, put = await scim_call(client, scim, "PUT", f"/Users/{ann['id']}", body)

    events = await product.new()
    assert types(events) == ["member.updated", "member.seat_changed", "member.seat_changed"]
    assert events[0]["data"]["seat_status"] == seat_status(put) == "deactivated"
    assert [e["data"] for e in events[1:]] == [
        seat_change(ann["id"], "deactivated", "active", "deactivated", "scim"),
        seat_change(bo["id"], "active", "over_limit", "promoted", "scim"),
    ]
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_patch_that_deactivates_a_user_records_member_updated_and_frees_its_seat(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test")
    bo = await provision(client, scim, "bo@acme.test")
    product = await Product.follow(client, org_id)

    patched = await patch_user(client, scim, ann["id"], deactivate())

    events = await product.new()
    # Nobody waits any more: the episode ends and the admins hear seats are available.
    assert types(events) == [
        "member.updated",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
    ]
    assert events[0]["data"]["id"] == ann["id"]
    assert events[0]["data"]["active"] is False
    assert events[0]["data"]["seat_status"] == seat_status(patched) == "deactivated"
    assert [e["data"] for e in events[1:3]] == [
        seat_change(ann["id"], "deactivated", "active", "deactivated", "scim"),
        seat_change(bo["id"], "active", "over_limit", "promoted", "scim"),
    ]
    assert events[3]["data"]["kind"] == "seats_available"
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_patch_that_reactivates_a_user_into_a_full_org_records_it_over_the_limit(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test")
    await patch_user(client, scim, ann["id"], deactivate())
    await provision(client, scim, "bo@acme.test")
    product = await Product.follow(client, org_id)

    patched = await patch_user(
        client, scim, ann["id"], {"op": "replace", "value": {"active": True}}
    )

    events = await product.new()
    assert types(events) == ["member.updated", "member.seat_changed", "alert.raised"]
    assert events[0]["data"]["seat_status"] == seat_status(patched) == "over_limit"
    assert events[1]["data"] == seat_change(
        ann["id"], "over_limit", "deactivated", "reactivated", "scim"
    )
    assert events[2]["data"]["kind"] == "seat_limit_reached"
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_patch_that_changes_nothing_records_nothing(client: TestClient) -> None:
    org_id, scim = await limited_org(client, 5)
    ann = await provision(client, scim, "ann@acme.test", displayName="Ann")
    product = await Product.follow(client, org_id)

    await patch_user(
        client, scim, ann["id"], {"op": "replace", "path": "displayName", "value": "Ann"}
    )

    assert await product.new() == []


async def test_a_scim_delete_records_member_deleted_leaves_its_groups_and_promotes_the_next(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test")
    bo = await provision(client, scim, "bo@acme.test")
    eng = await create_group(client, scim, "Engineering", ann["id"], bo["id"])
    ops = await create_group(client, scim, "Ops", ann["id"])
    await create_group(client, scim, "Sales", bo["id"])
    product = await Product.follow(client, org_id)

    await scim_call(client, scim, "DELETE", f"/Users/{ann['id']}")

    events = await product.new()
    assert types(events) == [
        "group.members_removed",
        "group.members_removed",
        "member.deleted",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
    ]
    removed = data_of(events, "group.members_removed")
    assert sorted(removed, key=lambda d: d["group_id"]) == sorted(
        [
            {"group_id": eng["id"], "member_ids": [ann["id"]]},
            {"group_id": ops["id"], "member_ids": [ann["id"]]},
        ],
        key=lambda d: d["group_id"],
    )
    assert events[2]["data"]["id"] == ann["id"]
    assert [e["data"] for e in events[3:5]] == [
        seat_change(ann["id"], None, "active", "deleted", "scim"),
        seat_change(bo["id"], "active", "over_limit", "promoted", "scim"),
    ]
    # What the product reads agrees with SCIM: the groups no longer list the user.
    _, engineering = await scim_call(client, scim, "GET", f"/Groups/{eng['id']}")
    assert [m["value"] for m in engineering["members"]] == [bo["id"]]
    await assert_ledger_agrees(client, org_id)
