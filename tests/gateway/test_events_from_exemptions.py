"""Exemptions record their seat changes (issue 11): a SCIM change of userType into or out of
the org's exempt list, and an admin changing that list, record member.seat_changed with reason
exemption_gained or exemption_lost (and the promotions a freed seat allows), also for a member
that is deactivated and holds no seat either way. The ledger agrees with the feed."""

from aiohttp.test_utils import TestClient

from tests.gateway.event_paths_support import (
    Product,
    admin,
    assert_ledger_agrees,
    patch_user,
    provision,
    seat_change,
    types,
)
from tests.helpers import create_org, scim_headers_for


async def limited_org(client: TestClient, seat_limit: int) -> tuple[str, dict[str, str]]:
    org = await create_org(client, seat_limit=seat_limit)
    return org["id"], await scim_headers_for(client, org["id"])


def user_type(value: str) -> dict[str, str]:
    return {"op": "replace", "path": "userType", "value": value}


async def test_a_scim_patch_of_the_user_type_to_an_exempt_one_records_exemption_gained_and_back(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test")
    bo = await provision(client, scim, "bo@acme.test")
    product = await Product.follow(client, org_id)

    await patch_user(
        client, scim, ann["id"], {"op": "replace", "path": "userType", "value": "Guest"}
    )
    events = await product.new()
    assert types(events) == [
        "member.updated",
        "member.seat_changed",
        "member.seat_changed",
        "alert.raised",
    ]
    assert events[0]["data"]["user_type"] == "Guest"
    assert [e["data"] for e in events[1:3]] == [
        seat_change(ann["id"], "active", "active", "exemption_gained", "scim"),
        seat_change(bo["id"], "active", "over_limit", "promoted", "scim"),
    ]

    await patch_user(
        client, scim, ann["id"], {"op": "replace", "path": "userType", "value": "Employee"}
    )
    events = await product.new()
    assert types(events) == ["member.updated", "member.seat_changed", "alert.raised"]
    assert events[1]["data"] == seat_change(
        ann["id"], "over_limit", "active", "exemption_lost", "scim"
    )
    await assert_ledger_agrees(client, org_id)


async def test_changing_the_exempt_user_types_records_exemption_gained_and_lost(
    client: TestClient,
) -> None:
    org = await create_org(client, seat_limit=1, exempt_user_types=[])
    scim = await scim_headers_for(client, org["id"])
    contractor = await provision(client, scim, "con@acme.test", userType="Contractor")
    ann = await provision(client, scim, "ann@acme.test")
    product = await Product.follow(client, org["id"])

    await admin(client, "PATCH", f"/orgs/{org['id']}", {"exempt_user_types": ["Contractor"]})
    events = await product.new()
    assert types(events) == ["member.seat_changed", "member.seat_changed", "alert.raised"]
    assert [e["data"] for e in events[:2]] == [
        seat_change(contractor["id"], "active", "active", "exemption_gained", "admin"),
        seat_change(ann["id"], "active", "over_limit", "promoted", "admin"),
    ]

    await admin(client, "PATCH", f"/orgs/{org['id']}", {"exempt_user_types": []})
    events = await product.new()
    assert types(events) == ["member.seat_changed", "alert.raised"]
    assert events[0]["data"] == seat_change(
        contractor["id"], "over_limit", "active", "exemption_lost", "admin"
    )
    assert events[1]["data"]["kind"] == "seat_limit_reached"
    await assert_ledger_agrees(client, org["id"])


async def test_a_scim_patch_of_a_deactivated_users_type_records_the_exemption_not_a_deactivation(
    client: TestClient,
) -> None:
    org_id, scim = await limited_org(client, 1)
    ann = await provision(client, scim, "ann@acme.test", active=False)
    product = await Product.follow(client, org_id)

    await patch_user(client, scim, ann["id"], user_type("Guest"))
    events = await product.new()
    assert types(events) == ["member.updated", "member.seat_changed"]
    assert events[1]["data"] == seat_change(
        ann["id"], "deactivated", "deactivated", "exemption_gained", "scim"
    )

    await patch_user(client, scim, ann["id"], user_type("Employee"))
    events = await product.new()
    assert types(events) == ["member.updated", "member.seat_changed"]
    assert events[1]["data"] == seat_change(
        ann["id"], "deactivated", "deactivated", "exemption_lost", "scim"
    )
    await assert_ledger_agrees(client, org_id)
