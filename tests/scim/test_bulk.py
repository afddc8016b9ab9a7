"""/Bulk (RFC 7644 §3.7): operations dispatched like single requests, bulkId references,
failOnErrors, maxOperations, and no atomicity."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, USER, create_user, patch_body, scim_error
from tests.scim.test_groups import GROUP, member_ids

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def bulk_body(*operations: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST], "Operations": list(operations), **fields}


def post_user(bulk_id: str, user_name: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/Users",
        "bulkId": bulk_id,
        "data": {"schemas": [USER], "userName": user_name},
    }


def post_group(bulk_id: str, name: str, *member_values: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/Groups",
        "bulkId": bulk_id,
        "data": {
            "schemas": [GROUP],
            "displayName": name,
            "members": [{"type": "User", "value": value} for value in member_values],
        },
    }


async def run_bulk(client: TestClient, headers: dict[str, str], body: Any) -> list[dict[str, Any]]:
    response = await client.post(f"{BASE}/Bulk", json=body, headers=headers)
    assert response.status == 200, await response.text()
    result = await response.json(content_type=None)
    assert result["schemas"] == [BULK_RESPONSE]
    return result["Operations"]


async def test_a_group_created_in_the_same_request_references_a_new_user_by_bulk_id(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 7644 §3.7.2: "bulkId:qwerty" in a member value becomes the created user's id."""
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            post_user("qwerty", "alice@example.com"),
            post_group("ytrewq", "Tour Guides", "bulkId:qwerty"),
        ),
    )
    user, group = results
    assert user["status"] == group["status"] == "201"
    assert user["bulkId"] == "qwerty"
    assert user["version"] == 'W/"1"'
    assert "response" not in user
    user_id = user["location"].rsplit("/", 1)[1]
    group_id = group["location"].rsplit("/", 1)[1]
    assert await member_ids(client, scim, group_id) == {user_id}


async def test_a_reference_to_a_later_post_waits_for_it(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 7644 §3.7.2: a bulkId may refer to an operation further down the request."""
    results = await run_bulk(
        client,
        scim,
        bulk_body(post_group("g", "Early", "bulkId:u"), post_user("u", "late@example.com")),
    )
    assert [result["status"] for result in results] == ["201", "201"]
    assert [result["bulkId"] for result in results] == ["g", "u"]
    user_id = results[1]["location"].rsplit("/", 1)[1]
    assert await member_ids(client, scim, results[0]["location"].rsplit("/", 1)[1]) == {user_id}


async def test_later_operations_address_created_resources_by_bulk_id_in_their_path(
    client: TestClient, scim: dict[str, str]
) -> None:
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            post_user("u1", "one@example.com"),
            post_user("u2", "two@example.com"),
            post_group("g", "Team", "bulkId:u1"),
            {
                "method": "PATCH",
                "path": "/Groups/bulkId:g",
                "data": patch_body(
                    {"op": "add", "path": "members", "value": [{"value": "bulkId:u2"}]},
                    {"op": "remove", "path": 'members[value eq "bulkId:u1"]'},
                ),
            },
            {"method": "DELETE", "path": "/Users/bulkId:u1"},
        ),
    )
    assert [result["status"] for result in results] == ["201", "201", "201", "200", "204"]
    group_id = results[2]["location"].rsplit("/", 1)[1]
    assert results[3]["location"].endswith(f"/Groups/{group_id}")
    assert results[3]["version"] == 'W/"2"'
    assert await member_ids(client, scim, group_id) == {results[1]["location"].rsplit("/", 1)[1]}


async def test_unknown_and_circular_bulk_ids_fail_only_their_operations(
    client: TestClient, scim: dict[str, str]
) -> None:
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            post_group("a", "A", "bulkId:nowhere"),
            post_group("b", "B", "bulkId:c"),
            post_group("c", "C", "bulkId:b"),
            post_user("ok", "fine@example.com"),
        ),
    )
    assert [result["status"] for result in results] == ["400", "409", "409", "201"]
    assert "nowhere" in results[0]["response"]["detail"]
    assert results[0]["response"]["scimType"] == "invalidValue"
    assert "circular" in results[1]["response"]["detail"]


async def test_a_reference_to_a_failed_post_fails_too(
    client: TestClient, scim: dict[str, str]
) -> None:
    await create_user(client, scim, "taken@example.com")
    results = await run_bulk(
        client,
        scim,
        bulk_body(post_user("dup", "taken@example.com"), post_group("g", "G", "bulkId:dup")),
    )
    assert [result["status"] for result in results] == ["409", "400"]
    assert results[0]["response"]["scimType"] == "uniqueness"
    assert "failed" in results[1]["response"]["detail"]


async def test_fail_on_errors_stops_after_that_many_errors_and_earlier_work_stays_done(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 7644 §3.7.3: failOnErrors; bulk is not atomic, so the first user stays created."""
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            post_user("1", "kept@example.com"),
            {"method": "DELETE", "path": "/Users/nope"},
            {"method": "DELETE", "path": "/Groups/nope"},
            post_user("4", "never@example.com"),
            failOnErrors=2,
        ),
    )
    assert [result["status"] for result in results] == ["201", "404", "404"]
    listed = await client.get(f"{BASE}/Users", headers=scim)
    names = {user["userName"] for user in (await listed.json(content_type=None))["Resources"]}
    assert names == {"kept@example.com"}


async def test_invalid_operations_fail_alone_with_their_own_errors(
    client: TestClient, scim: dict[str, str]
) -> None:
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"schemas": [USER]}},
            {"method": "POST", "path": "/Nowhere", "bulkId": "y", "data": {}},
            post_user("z", "valid@example.com"),
        ),
    )
    assert [result["status"] for result in results] == ["400", "400", "201"]
    assert all(result["response"]["detail"] for result in results[:2])


async def test_version_is_sent_as_if_match(client: TestClient, scim: dict[str, str]) -> None:
    user = await create_user(client, scim, "versioned@example.com")
    results = await run_bulk(
        client,
        scim,
        bulk_body({"method": "DELETE", "path": f"/Users/{user['id']}", "version": 'W/"7"'}),
    )
    assert results[0]["status"] == "412"


async def test_more_operations_than_max_operations_is_413(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(scim_max_bulk_operations=2)))
    headers = await scim_headers_for(client, (await create_org(client))["id"])
    body = bulk_body(*(post_user(str(n), f"u{n}@example.com") for n in range(3)))
    response = await client.post(f"{BASE}/Bulk", json=body, headers=headers)
    body = await scim_error(response, 413, None)
    assert "maxOperations is 2" in body["detail"]
    listed = await (await client.get(f"{BASE}/Users", headers=headers)).json(content_type=None)
    assert listed["totalResults"] == 0


async def test_bulk_operations_are_confined_to_the_callers_org(
    client: TestClient, scim: dict[str, str]
) -> None:
    (group_id,) = [
        result["location"].rsplit("/", 1)[1]
        for result in await run_bulk(client, scim, bulk_body(post_group("g", "Mine")))
    ]
    other = await scim_headers_for(client, (await create_org(client, name="Globex"))["id"])
    results = await run_bulk(
        client,
        other,
        bulk_body(
            {"method": "DELETE", "path": f"/Groups/{group_id}"},
            {"method": "POST", "path": "/Bulk", "bulkId": "nested", "data": {}},
        ),
    )
    assert results[0]["status"] == "404"
    assert results[1]["status"] == "400"
    assert (await client.get(f"{BASE}/Groups/{group_id}", headers=scim)).status == 200


async def test_a_malformed_bulk_request_is_400(client: TestClient, scim: dict[str, str]) -> None:
    for body in ({"schemas": [BULK_REQUEST]}, {"schemas": [BULK_REQUEST], "Operations": "x"}, []):
        response = await client.post(f"{BASE}/Bulk", json=body, headers=scim)
        assert response.status == 400, await response.text()


async def test_a_post_addresses_a_resource_type_and_other_methods_one_resource(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 7644 §3.7: the path is `/Users` for a POST, `/Users/{id}` otherwise; resource type
    names match case-insensitively and a trailing slash is ignored, as over HTTP."""
    user = await create_user(client, scim, "path@example.com")
    rename = patch_body({"op": "replace", "path": "displayName", "value": "Path"})
    results = await run_bulk(
        client,
        scim,
        bulk_body(
            {"method": "PATCH", "path": f"/users/{user['id']}/", "data": rename},
            {"method": "PUT", "path": "/Users", "data": {"schemas": [USER], "userName": "x@y.z"}},
            {"method": "DELETE", "path": f"/Users/{user['id']}/extra"},
        ),
    )
    assert [result["status"] for result in results] == ["200", "405", "404"]
    assert results[1]["response"]["detail"] == "PUT is not supported on /Users"
    read = await client.get(f"{BASE}/Users/{user['id']}", headers=scim)
    assert (await read.json(content_type=None))["displayName"] == "Path"
