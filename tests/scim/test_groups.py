"""/Groups over HTTP: create, read, list, replace, patch, delete (RFC 7644 §3.3-§3.6, §3.4.3),
ETags (§3.14), uniqueness, unknown members and tenant isolation."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, LIST, PATCH_OP, SEARCH, create_user, patch_body, scim_error

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group_payload(display_name: str, *member_ids: str, **fields: Any) -> dict[str, Any]:
    return {
        "schemas": [GROUP],
        "displayName": display_name,
        "members": [{"value": member_id} for member_id in member_ids],
        **fields,
    }


async def create_group(
    client: TestClient, headers: dict[str, str], display_name: str, *member_ids: str
) -> dict[str, Any]:
    response = await client.post(
        f"{BASE}/Groups", json=group_payload(display_name, *member_ids), headers=headers
    )
    assert response.status == 201, await response.text()
    return await response.json(content_type=None)


async def users(client: TestClient, headers: dict[str, str], *names: str) -> list[str]:
    return [(await create_user(client, headers, f"{name}@example.com"))["id"] for name in names]


async def member_ids(client: TestClient, headers: dict[str, str], group_id: str) -> set[str]:
    response = await client.get(f"{BASE}/Groups/{group_id}", headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    return {entry["value"] for entry in body.get("members", [])}


async def test_a_created_group_answers_201_with_location_etag_and_its_members(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    response = await client.post(
        f"{BASE}/Groups", json=group_payload("Engineering", ann, externalId="okta-1"), headers=scim
    )
    assert response.status == 201
    body = await response.json(content_type=None)
    assert response.headers["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Groups/{body['id']}")
    assert response.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
    assert body["meta"]["resourceType"] == "Group"
    assert body["schemas"] == [GROUP]
    assert body["displayName"] == "Engineering"
    assert body["externalId"] == "okta-1"
    assert body["members"] == [
        {
            "value": ann,
            "$ref": f"http://127.0.0.1/scim/v2/Users/{ann}",
            "type": "User",
            "display": "ann@example.com",
        }
    ]


async def test_a_group_reads_back_as_it_was_created(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    created = await create_group(client, scim, "Eng", ann, bob)
    response = await client.get(f"{BASE}/Groups/{created['id']}", headers=scim)
    assert response.status == 200
    assert response.headers["ETag"] == 'W/"1"'
    read = await response.json(content_type=None)
    assert {k: v for k, v in read.items() if k != "members"} == {
        k: v for k, v in created.items() if k != "members"
    }
    assert sorted(read["members"], key=lambda e: e["value"]) == sorted(
        created["members"], key=lambda e: e["value"]
    )


async def test_a_member_reads_back_with_the_display_the_client_sent(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob, cy = await users(client, scim, "ann", "bob", "cy")
    payload = group_payload("Eng")
    payload["members"] = [{"value": ann, "display": "Ann from Okta"}]
    response = await client.post(f"{BASE}/Groups", json=payload, headers=scim)
    group = await response.json(content_type=None)
    url = f"{BASE}/Groups/{group['id']}"
    add = {"op": "add", "path": "members", "value": [{"value": bob, "display": "Bob B."}]}
    await client.patch(url, json=patch_body(add), headers=scim)
    replace = {
        "op": "replace",
        "path": "members",
        "value": [{"value": ann}, {"value": bob}, {"value": cy, "display": "Cy C."}],
    }
    response = await client.patch(url, json=patch_body(replace), headers=scim)
    assert response.status == 200, await response.text()
    body = await (await client.get(url, headers=scim)).json(content_type=None)
    displays = {entry["value"]: entry["display"] for entry in body["members"]}
    # A member that stays keeps the display it joined with.
    assert displays == {ann: "Ann from Okta", bob: "Bob B.", cy: "Cy C."}
    too_long = {"op": "add", "path": "members", "value": [{"value": cy, "display": "x" * 257}]}
    response = await client.patch(url, json=patch_body(too_long), headers=scim)
    assert response.status == 400
    assert (await response.json(content_type=None))["scimType"] == "invalidValue"


async def test_a_nested_group_is_a_member_with_type_group_and_a_groups_ref(
    client: TestClient, scim: dict[str, str]
) -> None:
    child = await create_group(client, scim, "Child")
    parent = await create_group(client, scim, "Parent", child["id"])
    assert parent["members"] == [
        {
            "value": child["id"],
            "$ref": f"http://127.0.0.1/scim/v2/Groups/{child['id']}",
            "type": "Group",
            "display": "Child",
        }
    ]


async def test_display_names_are_unique_per_org_case_insensitively(
    client: TestClient, scim: dict[str, str]
) -> None:
    await create_group(client, scim, "Sales")
    response = await client.post(f"{BASE}/Groups", json=group_payload("SALES"), headers=scim)
    await scim_error(response, 409, "uniqueness")
    other = await create_group(client, scim, "Support")
    response = await client.patch(
        f"{BASE}/Groups/{other['id']}",
        json=patch_body({"op": "replace", "path": "displayName", "value": "sales"}),
        headers=scim,
    )
    await scim_error(response, 409, "uniqueness")


async def test_unknown_member_ids_in_a_post_are_a_400_invalid_value_naming_them(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    response = await client.post(
        f"{BASE}/Groups", json=group_payload("Eng", ann, "no-such-user"), headers=scim
    )
    body = await scim_error(response, 400, "invalidValue")
    assert "no-such-user" in body["detail"]
    # A PATCH skips them instead: tests/scim/test_group_patch_unknown_members.py.


async def test_bad_group_bodies_are_refused_with_scim_errors(
    client: TestClient, scim: dict[str, str]
) -> None:
    cases = [
        {"schemas": [GROUP]},
        {"schemas": [GROUP], "displayName": "  "},
        {"schemas": [GROUP], "displayName": "x" * 513},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"},
        {"schemas": [GROUP], "displayName": "x", "members": [{"display": "no value"}]},
        {"schemas": [GROUP], "displayName": "x", "members": "everyone"},
        ["not", "an", "object"],
    ]
    for payload in cases:
        response = await client.post(f"{BASE}/Groups", json=payload, headers=scim)
        assert response.status == 400, (payload, await response.text())


async def test_put_replaces_the_attributes_and_the_membership(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob, cy = await users(client, scim, "ann", "bob", "cy")
    group = await create_group(client, scim, "Eng", ann, bob)
    response = await client.put(
        f"{BASE}/Groups/{group['id']}",
        json=group_payload("Engineering", bob, cy, id=group["id"], meta=group["meta"]),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert body["displayName"] == "Engineering"
    assert "externalId" not in body
    assert {entry["value"] for entry in body["members"]} == {bob, cy}
    assert response.headers["ETag"] == 'W/"2"'


async def test_delete_answers_204_and_the_group_is_gone(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = await create_group(client, scim, "Eng")
    response = await client.delete(f"{BASE}/Groups/{group['id']}", headers=scim)
    assert response.status == 204
    response = await client.get(f"{BASE}/Groups/{group['id']}", headers=scim)
    await scim_error(response, 404, None)


async def test_deleting_a_user_takes_it_out_of_its_groups(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", ann, bob)
    response = await client.delete(f"{BASE}/Users/{ann}", headers=scim)
    assert response.status == 204
    assert await member_ids(client, scim, group["id"]) == {bob}


async def test_unknown_ids_are_404_for_every_method(
    client: TestClient, scim: dict[str, str]
) -> None:
    url = f"{BASE}/Groups/does-not-exist"
    for response in (
        await client.get(url, headers=scim),
        await client.put(url, json=group_payload("x"), headers=scim),
        await client.patch(url, json=patch_body({"op": "remove", "path": "members"}), headers=scim),
        await client.delete(url, headers=scim),
    ):
        await scim_error(response, 404, None)


async def test_another_orgs_token_gets_404_and_cannot_add_its_users(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng", ann)
    other = await scim_headers_for(client, (await create_org(client, name="Globex"))["id"])
    (stranger,) = await users(client, other, "stranger")
    url = f"{BASE}/Groups/{group['id']}"
    add_stranger = patch_body({"op": "add", "path": "members", "value": [{"value": stranger}]})
    await scim_error(await client.get(url, headers=other), 404, None)
    await scim_error(await client.patch(url, json=add_stranger, headers=other), 404, None)
    await scim_error(await client.delete(url, headers=other), 404, None)
    listed = await (await client.get(f"{BASE}/Groups", headers=other)).json(content_type=None)
    assert listed["totalResults"] == 0
    # The owner cannot pull the other org's user in either: that id is unknown here (skipped).
    response = await client.patch(url, json=add_stranger, headers=scim)
    assert response.status == 200, await response.text()
    # Nor can the other org put this org's user in a group of its own.
    response = await client.post(f"{BASE}/Groups", json=group_payload("Mine", ann), headers=other)
    await scim_error(response, 400, "invalidValue")
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_if_match_with_a_stale_version_is_412(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = await create_group(client, scim, "Eng")
    url = f"{BASE}/Groups/{group['id']}"
    rename = patch_body({"op": "replace", "path": "displayName", "value": "Engineering"})
    response = await client.patch(url, json=rename, headers={**scim, "If-Match": 'W/"1"'})
    assert response.status == 200
    assert response.headers["ETag"] == 'W/"2"'
    stale = {**scim, "If-Match": 'W/"1"'}
    await scim_error(await client.patch(url, json=rename, headers=stale), 412, None)
    await scim_error(await client.put(url, json=group_payload("X"), headers=stale), 412, None)
    await scim_error(await client.delete(url, headers=stale), 412, None)


async def test_if_none_match_with_the_current_version_answers_304(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = await create_group(client, scim, "Eng")
    url = f"{BASE}/Groups/{group['id']}"
    response = await client.get(url, headers={**scim, "If-None-Match": 'W/"1"'})
    assert response.status == 304
    response = await client.get(url, headers={**scim, "If-None-Match": 'W/"0"'})
    assert response.status == 200


async def test_attributes_and_excluded_attributes_shape_responses(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng", ann)
    url = f"{BASE}/Groups/{group['id']}"
    body = await (await client.get(url + "?excludedAttributes=members", headers=scim)).json(
        content_type=None
    )
    assert "members" not in body
    assert body["displayName"] == "Eng"
    body = await (await client.get(url + "?attributes=displayName", headers=scim)).json(
        content_type=None
    )
    assert body == {"schemas": [GROUP], "id": group["id"], "displayName": "Eng"}
    body = await (await client.get(url + "?attributes=members.value", headers=scim)).json(
        content_type=None
    )
    assert body["members"] == [{"value": ann}]


async def test_patch_adds_and_removes_members_and_answers_200_with_the_group(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob, cy = await users(client, scim, "ann", "bob", "cy")
    group = await create_group(client, scim, "Eng", ann)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body(
            {"op": "add", "path": "members", "value": [{"value": bob}, {"value": cy}]},
            {"op": "remove", "path": f'members[value eq "{ann}"]'},
        ),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert {entry["value"] for entry in body["members"]} == {bob, cy}
    assert body["meta"]["version"] == 'W/"2"'


async def test_patch_replace_on_members_sets_exactly_those_members(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", ann)
    url = f"{BASE}/Groups/{group['id']}"
    replace = patch_body({"op": "replace", "path": "members", "value": [{"value": bob}]})
    assert (await client.patch(url, json=replace, headers=scim)).status == 200
    assert await member_ids(client, scim, group["id"]) == {bob}
    empty = patch_body({"op": "replace", "path": "members", "value": []})
    assert (await client.patch(url, json=empty, headers=scim)).status == 200
    assert await member_ids(client, scim, group["id"]) == set()


async def test_patch_remove_on_members_without_a_value_removes_everyone(
    client: TestClient, scim: dict[str, str]
) -> None:
    ids = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", *ids)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "remove", "path": "members"}),
        headers=scim,
    )
    assert response.status == 200
    assert "members" not in await response.json(content_type=None)


async def test_patch_remove_by_a_filter_on_another_sub_attribute_still_works(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    child = await create_group(client, scim, "Child")
    group = await create_group(client, scim, "Eng", ann, child["id"])
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "remove", "path": 'members[type eq "Group"]'}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_patch_cannot_write_a_members_sub_attribute_or_a_read_only_one(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng", ann)
    url = f"{BASE}/Groups/{group['id']}"
    for operation in (
        {"op": "replace", "path": f'members[value eq "{ann}"].display', "value": "Ann"},
        {"op": "replace", "path": "id", "value": "mine"},
        {"op": "remove", "path": "displayName"},
        {"op": "jump", "path": "displayName", "value": "x"},
    ):
        response = await client.patch(url, json=patch_body(operation), headers=scim)
        assert response.status == 400, (operation, await response.text())
    assert await member_ids(client, scim, group["id"]) == {ann}


async def test_patch_with_excluded_members_answers_without_reading_them(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", ann)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}?excludedAttributes=members",
        json=patch_body({"op": "add", "path": "members", "value": [{"value": bob}]}),
        headers=scim,
    )
    assert response.status == 200
    body = await response.json(content_type=None)
    assert "members" not in body
    assert body["meta"]["version"] == 'W/"2"'


async def test_groups_are_listed_filtered_sorted_and_paged(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    for name in ("Charlie", "alpha", "Bravo"):
        await create_group(client, scim, name, ann)
    response = await client.get(
        f"{BASE}/Groups?sortBy=displayName&startIndex=2&count=1", headers=scim
    )
    body = await response.json(content_type=None)
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == 3
    assert body["startIndex"] == 2
    assert [group["displayName"] for group in body["Resources"]] == ["Bravo"]
    assert body["Resources"][0]["members"][0]["value"] == ann
    response = await client.get(
        f'{BASE}/Groups?filter=displayName eq "CHARLIE"&excludedAttributes=members',
        headers=scim,
    )
    body = await response.json(content_type=None)
    assert [group["displayName"] for group in body["Resources"]] == ["Charlie"]
    assert "members" not in body["Resources"][0]


async def test_groups_can_be_found_by_member(client: TestClient, scim: dict[str, str]) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    await create_group(client, scim, "Eng", ann)
    both = await create_group(client, scim, "All", ann, bob)
    response = await client.get(f'{BASE}/Groups?filter=members.value eq "{bob}"', headers=scim)
    body = await response.json(content_type=None)
    assert [group["id"] for group in body["Resources"]] == [both["id"]]


async def test_search_posts_a_search_request_and_pages_by_cursor(
    client: TestClient, scim: dict[str, str]
) -> None:
    for name in ("a", "b", "c"):
        await create_group(client, scim, name)
    search = {"schemas": [SEARCH], "sortBy": "displayName", "count": 2, "cursor": ""}
    response = await client.post(f"{BASE}/Groups/.search", json=search, headers=scim)
    assert response.status == 200, await response.text()
    first = await response.json(content_type=None)
    assert [group["displayName"] for group in first["Resources"]] == ["a", "b"]
    search["cursor"] = first["nextCursor"]
    second = await (await client.post(f"{BASE}/Groups/.search", json=search, headers=scim)).json(
        content_type=None
    )
    assert [group["displayName"] for group in second["Resources"]] == ["c"]
    assert "nextCursor" not in second


async def test_a_bad_filter_is_400_invalid_filter(client: TestClient, scim: dict[str, str]) -> None:
    response = await client.get(f"{BASE}/Groups?filter=displayName zz 1", headers=scim)
    await scim_error(response, 400, "invalidFilter")


async def test_a_patch_needs_patch_op_operations(client: TestClient, scim: dict[str, str]) -> None:
    group = await create_group(client, scim, "Eng")
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}", json={"schemas": [PATCH_OP]}, headers=scim
    )
    assert response.status == 400


async def test_patch_replaces_and_removes_the_external_id(
    client: TestClient, scim: dict[str, str]
) -> None:
    group = await create_group(client, scim, "Eng")
    url = f"{BASE}/Groups/{group['id']}"
    set_it = patch_body({"op": "replace", "path": "externalId", "value": "ext-1"})
    body = await (await client.patch(url, json=set_it, headers=scim)).json(content_type=None)
    assert body["externalId"] == "ext-1"
    remove = patch_body({"op": "remove", "path": "externalId"})
    body = await (await client.patch(url, json=remove, headers=scim)).json(content_type=None)
    assert "externalId" not in body
    assert body["meta"]["version"] == 'W/"3"'
    response = await client.get(f'{BASE}/Groups?filter=externalId eq "ext-1"', headers=scim)
    assert (await response.json(content_type=None))["totalResults"] == 0


async def test_a_patch_that_changes_nothing_keeps_the_version(
    client: TestClient, scim: dict[str, str]
) -> None:
    (ann,) = await users(client, scim, "ann")
    group = await create_group(client, scim, "Eng", ann)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body(
            {"op": "add", "path": "members", "value": [{"value": ann}]},
            {"op": "replace", "path": "displayName", "value": "Eng"},
        ),
        headers=scim,
    )
    assert response.status == 200
    assert response.headers["ETag"] == 'W/"1"'


async def test_a_path_less_add_with_members_adds_them_and_sets_the_other_attributes(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", ann)
    response = await client.patch(
        f"{BASE}/Groups/{group['id']}",
        json=patch_body({"op": "add", "value": {"members": [{"value": bob}], "externalId": "x-1"}}),
        headers=scim,
    )
    assert response.status == 200, await response.text()
    body = await response.json(content_type=None)
    assert body["externalId"] == "x-1"
    assert {entry["value"] for entry in body["members"]} == {ann, bob}


async def test_a_patch_on_a_group_beyond_the_response_limit_answers_without_its_members(
    aiohttp_client: Any, settings: Settings
) -> None:
    app = create_app(settings.replace(scim_patch_response_max_members=2))
    client = await aiohttp_client(app)
    org = await create_org(client)
    scim = await scim_headers_for(client, org["id"])
    ann, bob, cy = await users(client, scim, "ann", "bob", "cy")
    group = await create_group(client, scim, "Eng", ann)
    url = f"{BASE}/Groups/{group['id']}"
    add = {"op": "add", "path": "members", "value": [{"value": bob}]}
    body = await (await client.patch(url, json=patch_body(add), headers=scim)).json(
        content_type=None
    )
    assert {entry["value"] for entry in body["members"]} == {ann, bob}
    add = {"op": "add", "path": "members", "value": [{"value": cy}]}
    response = await client.patch(url, json=patch_body(add), headers=scim)
    assert response.status == 200
    body = await response.json(content_type=None)
    assert "members" not in body and body["displayName"] == "Eng"
    assert body["meta"]["version"] == 'W/"3"'
    assert await member_ids(client, scim, group["id"]) == {ann, bob, cy}
    remove = {"op": "remove", "path": f'members[value eq "{cy}"]'}
    body = await (await client.patch(url, json=patch_body(remove), headers=scim)).json(
        content_type=None
    )
    assert {entry["value"] for entry in body["members"]} == {ann, bob}


async def test_deleting_a_user_takes_it_out_of_its_groups_and_moves_their_etags(
    client: TestClient, scim: dict[str, str]
) -> None:
    ann, bob = await users(client, scim, "ann", "bob")
    group = await create_group(client, scim, "Eng", ann, bob)
    assert (await client.delete(f"{BASE}/Users/{ann}", headers=scim)).status == 204
    response = await client.get(f"{BASE}/Groups/{group['id']}", headers=scim)
    assert response.headers["ETag"] == 'W/"2"'
    assert await member_ids(client, scim, group["id"]) == {bob}
