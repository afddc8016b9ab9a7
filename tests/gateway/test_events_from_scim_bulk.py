"""SCIM Bulk records each operation's events as its single request would, in request order
(issue 11); a failed operation records nothing."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.event_paths_support import (
    GROUP,
    Product,
    assert_ledger_agrees,
    provision,
    scim_call,
    seat_change,
    types,
)
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import PATCH_OP, USER

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


async def limited_org(client: TestClient, seat_limit: int | None) -> tuple[str, dict[str, str]]:
    org = await create_org(client, seat_limit=seat_limit)
    return org["id"], await scim_headers_for(client, org["id"])


def bulk(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST], "Operations": list(operations)}


def post_user(bulk_id: str, user_name: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/Users",
        "bulkId": bulk_id,
        "data": {"schemas": [USER], "userName": user_name},
    }


async def test_a_scim_bulk_records_each_operations_events_in_request_order(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    product = await Product.follow(client, org_id)
    deactivate_ann = {
        "method": "PATCH",
        "path": "/Users/bulkId:ann",
        "data": {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    }
    body = bulk(
        post_user("ann", "ann@acme.test"),
        post_user("bo", "bo@acme.test"),
        deactivate_ann,
        {"method": "DELETE", "path": "/Users/bulkId:bo"},
    )

    _, answer = await scim_call(client, scim, "POST", "/Bulk", body)

    assert [op["status"] for op in answer["Operations"]] == ["201", "201", "200", "204"]
    ann_id, bo_id = (op["location"].rsplit("/", 1)[1] for op in answer["Operations"][:2])
    events = await product.new()
    assert types(events) == [
        # POST ann
        "member.created",
        "member.seat_changed",
        # POST bo, over the limit
        "member.created",
        "member.seat_changed",
        "alert.raised",
        # PATCH ann inactive: bo takes the seat and the episode ends
        "member.updated",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
        # DELETE bo
        "member.deleted",
        "member.seat_changed",
    ]
    assert [e["data"] for e in events if e["type"] == "member.seat_changed"] == [
        seat_change(ann_id, "active", None, "created", "scim"),
        seat_change(bo_id, "over_limit", None, "created", "scim"),
        seat_change(ann_id, "deactivated", "active", "deactivated", "scim"),
        seat_change(bo_id, "active", "over_limit", "promoted", "scim"),
        seat_change(bo_id, None, "active", "deleted", "scim"),
    ]
    await assert_ledger_agrees(client, org_id)


async def test_a_scim_bulk_records_a_group_made_of_users_made_in_the_same_request(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, None)
    product = await Product.follow(client, org_id)
    post_group = {
        "method": "POST",
        "path": "/Groups",
        "bulkId": "eng",
        "data": {
            "schemas": [GROUP],
            "displayName": "Engineering",
            "members": [{"type": "User", "value": "bulkId:ann"}],
        },
    }
    body = bulk(
        post_user("ann", "ann@acme.test"),
        post_group,
        {"method": "DELETE", "path": "/Groups/bulkId:eng"},
    )

    _, answer = await scim_call(client, scim, "POST", "/Bulk", body)

    assert [op["status"] for op in answer["Operations"]] == ["201", "201", "204"]
    ann_id, group_id = (op["location"].rsplit("/", 1)[1] for op in answer["Operations"][:2])
    events = await product.new()
    assert types(events) == [
        "member.created",
        "member.seat_changed",
        "group.created",
        "group.members_added",
        "group.deleted",
    ]
    assert events[3]["data"] == {"group_id": group_id, "member_ids": [ann_id]}
    assert events[4]["data"]["id"] == group_id


async def test_a_failed_bulk_operation_records_nothing_and_the_others_record_theirs(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, None)
    ann = await provision(client, scim, "ann@acme.test")
    product = await Product.follow(client, org_id)

    _, answer = await scim_call(
        client,
        scim,
        "POST",
        "/Bulk",
        bulk(post_user("again", "ANN@acme.test"), post_user("bo", "bo@acme.test")),
    )

    assert [op["status"] for op in answer["Operations"]] == ["409", "201"]
    events = await product.new()
    assert types(events) == ["member.created", "member.seat_changed"]
    assert events[0]["data"]["user_name"] == "bo@acme.test"
    assert events[0]["data"]["id"] != ann["id"]
    await assert_ledger_agrees(client, org_id)
