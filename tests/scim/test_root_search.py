"""POST /.search at the SCIM root (RFC 7644 §3.4.3): Users and Groups in one ListResponse,
Users first, paged by index across both, with the filters and attribute selection of the
per-type searches."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.scim.support import BASE, LIST, SEARCH, create_user, scim_error
from tests.scim.test_groups import create_group

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


async def search(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post(
        f"{BASE}/.search", json={"schemas": [SEARCH], **fields}, headers=headers
    )
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("application/scim+json")
    return await response.json(content_type=None)


def kinds_and_names(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (item["meta"]["resourceType"], item.get("userName") or item["displayName"])
        for item in body["Resources"]
    ]


async def _directory(client: TestClient, scim: dict[str, str]) -> None:
    for name in ("ann", "bob", "cy"):
        await create_user(client, scim, f"{name}@example.com")
    for name in ("Eng", "Ops"):
        await create_group(client, scim, name)


async def test_a_search_without_filter_lists_users_then_groups(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _directory(client, scim)
    body = await search(client, scim)
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == 5
    assert body["startIndex"] == 1
    assert body["itemsPerPage"] == 5
    assert kinds_and_names(body) == [
        ("User", "ann@example.com"),
        ("User", "bob@example.com"),
        ("User", "cy@example.com"),
        ("Group", "Eng"),
        ("Group", "Ops"),
    ]


async def test_start_index_and_count_page_across_both_types(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _directory(client, scim)
    pages = [await search(client, scim, startIndex=start, count=2) for start in (1, 3, 5, 7)]
    assert [kinds_and_names(page) for page in pages] == [
        [("User", "ann@example.com"), ("User", "bob@example.com")],
        [("User", "cy@example.com"), ("Group", "Eng")],
        [("Group", "Ops")],
        [],
    ]
    assert {page["totalResults"] for page in pages} == {5}
    assert [page["startIndex"] for page in pages] == [1, 3, 5, 7]
    counted = await search(client, scim, count=0)
    assert (counted["totalResults"], counted["Resources"]) == (5, [])


async def test_a_filter_on_a_common_attribute_matches_both_types(
    client: TestClient, scim: dict[str, str]
) -> None:
    await create_user(client, scim, "eng-lead@example.com", displayName="Eng")
    await create_group(client, scim, "Eng")
    await create_group(client, scim, "Ops")
    body = await search(client, scim, filter='displayName eq "eng"')
    assert body["totalResults"] == 2
    assert kinds_and_names(body) == [("User", "eng-lead@example.com"), ("Group", "Eng")]


async def test_a_filter_only_one_type_has_leaves_the_other_out(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _directory(client, scim)
    body = await search(client, scim, filter='userName sw "b"')
    assert kinds_and_names(body) == [("User", "bob@example.com")]
    body = await search(client, scim, filter='displayName eq "Ops"', attributes=["displayName"])
    assert [item["displayName"] for item in body["Resources"]] == ["Ops"]
    body = await search(client, scim, filter="members pr")
    assert body["totalResults"] == 0


async def test_attributes_shape_the_resources_of_both_types(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _directory(client, scim)
    body = await search(client, scim, attributes=["userName", "displayName"])
    users = [item for item in body["Resources"] if USER_SCHEMA in item["schemas"]]
    groups = [item for item in body["Resources"] if GROUP_SCHEMA in item["schemas"]]
    assert {frozenset(item) - {"schemas", "id", "meta"} for item in users} <= {
        frozenset({"userName"}),
        frozenset({"userName", "displayName"}),
    }
    assert {frozenset(item) - {"schemas", "id", "meta"} for item in groups} == {
        frozenset({"displayName"})
    }


async def test_bad_searches_are_scim_errors(client: TestClient, scim: dict[str, str]) -> None:
    url = f"{BASE}/.search"
    cases: list[tuple[Any, str]] = [
        ({"schemas": [SEARCH], "filter": "userName eq"}, "invalidFilter"),
        ({"schemas": [SEARCH], "filter": 'nosuch eq "x"'}, "invalidFilter"),
        ({"schemas": [SEARCH], "cursor": ""}, "invalidValue"),
        ({"schemas": [SEARCH], "count": "many"}, "invalidValue"),
        (["not", "a", "search"], "invalidSyntax"),
    ]
    for body, scim_type in cases:
        await scim_error(await client.post(url, json=body, headers=scim), 400, scim_type)


async def test_the_root_search_needs_a_token_and_only_post(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.post(f"{BASE}/.search", json={"schemas": [SEARCH]})
    await scim_error(response, 401)
    response = await client.get(f"{BASE}/.search", headers=scim)
    await scim_error(response, 405)
