"""Every SCIM path that changes a Group records its events (issue 11): POST, PUT, PATCH add,
remove and replace of members, rename, and DELETE; what the product reads agrees with
what SCIM answers."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.event_paths_support import (
    GROUP,
    Product,
    create_group,
    patch_group,
    provision,
    scim_call,
    types,
)
from tests.helpers import create_org, scim_headers_for


async def org_with_users(client: TestClient, *names: str) -> tuple[str, dict[str, str], list[str]]:
    org = await create_org(client)
    scim = await scim_headers_for(client, org["id"])
    ids = [(await provision(client, scim, f"{name}@acme.test"))["id"] for name in names]
    return org["id"], scim, ids


def members(*ids: str) -> list[dict[str, str]]:
    return [{"value": member_id} for member_id in ids]


def scim_members(group: dict[str, Any]) -> list[str]:
    return sorted(m["value"] for m in group.get("members", []))


async def test_a_scim_post_of_a_group_records_group_created_then_its_members(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    product = await Product.follow(client, org_id)

    group = await create_group(client, scim, "Engineering", ann, bo)

    events = await product.new()
    assert types(events) == ["group.created", "group.members_added"]
    created, added = (e["data"] for e in events)
    assert (created["id"], created["display_name"]) == (group["id"], "Engineering")
    assert added["group_id"] == group["id"]
    assert sorted(added["member_ids"]) == scim_members(group) == sorted([ann, bo])


async def test_a_scim_post_of_an_empty_group_records_only_group_created(
    client: TestClient,
) -> None:
    org_id, scim, _ = await org_with_users(client)
    product = await Product.follow(client, org_id)

    await create_group(client, scim, "Nobody yet")

    assert await product.new_types() == ["group.created"]


async def test_a_scim_put_records_the_rename_and_the_membership_difference(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo, cy) = await org_with_users(client, "ann", "bo", "cy")
    group = await create_group(client, scim, "Engineering", ann, bo)
    product = await Product.follow(client, org_id)

    body = {"schemas": [GROUP], "displayName": "R&D", "members": members(bo, cy)}
    _, put = await scim_call(client, scim, "PUT", f"/Groups/{group['id']}", body)

    events = await product.new()
    assert types(events) == ["group.updated", "group.members_removed", "group.members_added"]
    assert events[0]["data"]["display_name"] == put["displayName"] == "R&D"
    assert events[1]["data"] == {"group_id": group["id"], "member_ids": [ann]}
    assert events[2]["data"] == {"group_id": group["id"], "member_ids": [cy]}
    assert scim_members(put) == sorted([bo, cy])


async def test_a_scim_put_that_only_changes_members_records_no_group_updated(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    group = await create_group(client, scim, "Engineering", ann)
    product = await Product.follow(client, org_id)

    body = {"schemas": [GROUP], "displayName": "Engineering", "members": members(ann, bo)}
    await scim_call(client, scim, "PUT", f"/Groups/{group['id']}", body)

    events = await product.new()
    assert types(events) == ["group.members_added"]
    assert events[0]["data"] == {"group_id": group["id"], "member_ids": [bo]}


async def test_a_scim_put_that_changes_nothing_records_nothing(client: TestClient) -> None:
    org_id, scim, (ann,) = await org_with_users(client, "ann")
    group = await create_group(client, scim, "Engineering", ann)
    product = await Product.follow(client, org_id)

    body = {"schemas": [GROUP], "displayName": "Engineering", "members": members(ann)}
    await scim_call(client, scim, "PUT", f"/Groups/{group['id']}", body)

    assert await product.new() == []


async def test_a_scim_patch_that_adds_members_records_members_added_with_only_the_new_ones(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo, cy) = await org_with_users(client, "ann", "bo", "cy")
    group = await create_group(client, scim, "Engineering", ann)
    product = await Product.follow(client, org_id)

    await patch_group(
        client, scim, group["id"], {"op": "add", "path": "members", "value": members(ann, bo, cy)}
    )

    events = await product.new()
    assert types(events) == ["group.members_added"]
    assert events[0]["data"]["group_id"] == group["id"]
    assert sorted(events[0]["data"]["member_ids"]) == sorted([bo, cy])


async def test_a_scim_patch_that_removes_a_member_by_filter_records_members_removed(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    group = await create_group(client, scim, "Engineering", ann, bo)
    product = await Product.follow(client, org_id)

    patched = await patch_group(
        client, scim, group["id"], {"op": "remove", "path": f'members[value eq "{ann}"]'}
    )

    events = await product.new()
    assert types(events) == ["group.members_removed"]
    assert events[0]["data"] == {"group_id": group["id"], "member_ids": [ann]}
    assert scim_members(patched) == [bo]


async def test_a_scim_patch_that_removes_all_members_records_every_id_removed(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    group = await create_group(client, scim, "Engineering", ann, bo)
    product = await Product.follow(client, org_id)

    await patch_group(client, scim, group["id"], {"op": "remove", "path": "members"})

    events = await product.new()
    assert types(events) == ["group.members_removed"]
    assert sorted(events[0]["data"]["member_ids"]) == sorted([ann, bo])


async def test_a_scim_patch_that_replaces_members_records_who_left_and_who_joined(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo, cy) = await org_with_users(client, "ann", "bo", "cy")
    group = await create_group(client, scim, "Engineering", ann, bo)
    product = await Product.follow(client, org_id)

    patched = await patch_group(
        client, scim, group["id"], {"op": "replace", "path": "members", "value": members(bo, cy)}
    )

    events = await product.new()
    assert types(events) == ["group.members_removed", "group.members_added"]
    assert events[0]["data"] == {"group_id": group["id"], "member_ids": [ann]}
    assert events[1]["data"] == {"group_id": group["id"], "member_ids": [cy]}
    assert scim_members(patched) == sorted([bo, cy])


async def test_a_scim_patch_that_adds_and_removes_the_same_member_records_nothing(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    group = await create_group(client, scim, "Engineering", ann)
    product = await Product.follow(client, org_id)

    await patch_group(
        client,
        scim,
        group["id"],
        {"op": "add", "path": "members", "value": members(bo)},
        {"op": "remove", "path": f'members[value eq "{bo}"]'},
    )

    assert await product.new() == []


async def test_a_scim_patch_that_renames_a_group_records_group_updated_once(
    client: TestClient,
) -> None:
    org_id, scim, (ann, bo) = await org_with_users(client, "ann", "bo")
    group = await create_group(client, scim, "Engineering", ann)
    product = await Product.follow(client, org_id)

    patched = await patch_group(
        client,
        scim,
        group["id"],
        {"op": "replace", "path": "displayName", "value": "R&D"},
        {"op": "add", "path": "members", "value": members(bo)},
    )

    events = await product.new()
    assert types(events) == ["group.updated", "group.members_added"]
    updated = events[0]["data"]
    assert (updated["id"], updated["display_name"]) == (group["id"], "R&D")
    assert patched["displayName"] == "R&D"
    assert events[1]["data"] == {"group_id": group["id"], "member_ids": [bo]}


async def test_a_scim_delete_of_a_group_records_group_deleted_and_its_parent_loses_it(
    client: TestClient,
) -> None:
    org_id, scim, (ann,) = await org_with_users(client, "ann")
    team = await create_group(client, scim, "Platform", ann)
    parent = await create_group(client, scim, "Engineering", team["id"])
    product = await Product.follow(client, org_id)

    await scim_call(client, scim, "DELETE", f"/Groups/{team['id']}")

    events = await product.new()
    # Its own memberships go with it (one group.deleted); the parent it sat in changes.
    assert types(events) == ["group.members_removed", "group.deleted"]
    assert events[0]["data"] == {"group_id": parent["id"], "member_ids": [team["id"]]}
    assert (events[1]["data"]["id"], events[1]["data"]["display_name"]) == (team["id"], "Platform")
