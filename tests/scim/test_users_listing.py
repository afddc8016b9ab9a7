"""GET /Users and POST /Users/.search: filtering, sorting, index and cursor paging
(RFC 7644 §3.4.2, §3.4.3; RFC 9865), all in the database."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.config import Settings
from tests.helpers import create_org, scim_headers_for
from tests.scim.support import BASE, LIST, SEARCH, create_user, scim_error


async def _list(client: TestClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/Users?{query}", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = await response.json(content_type=None)
    assert body["schemas"] == [LIST]
    return body


async def _names(client: TestClient, headers: dict[str, str], query: str) -> list[str]:
    return [user["userName"] for user in (await _list(client, headers, query))["Resources"]]


async def _people(client: TestClient, headers: dict[str, str]) -> None:
    for user_name, family, title in [
        ("carol@example.com", "Young", "Engineer"),
        ("alice@example.com", "Zimmer", None),
        ("bob@example.com", "Xu", "Engineer"),
        ("dave@example.com", "Wolf", "Manager"),
    ]:
        extra: dict[str, Any] = {"name": {"familyName": family}}
        if title:
            extra["title"] = title
        await create_user(client, headers, user_name, **extra)


async def test_an_empty_org_lists_an_empty_list_response(
    client: TestClient, scim: dict[str, str]
) -> None:
    body = await _list(client, scim, "")
    assert body["totalResults"] == 0
    assert body["Resources"] == []
    assert body["startIndex"] == 1


async def test_filters_select_in_the_database(client: TestClient, scim: dict[str, str]) -> None:
    await _people(client, scim)
    assert await _names(client, scim, 'filter=userName eq "BOB@example.com"') == ["bob@example.com"]
    assert await _names(client, scim, 'filter=title eq "Engineer"&sortBy=userName') == [
        "bob@example.com",
        "carol@example.com",
    ]
    assert await _names(client, scim, "filter=title pr&sortBy=userName&count=1") == [
        "bob@example.com"
    ]


async def test_sorting_puts_missing_values_last_ascending_and_first_descending(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _people(client, scim)
    assert await _names(client, scim, "sortBy=name.familyName") == [
        "dave@example.com",
        "bob@example.com",
        "carol@example.com",
        "alice@example.com",
    ]
    titles = await _names(client, scim, "sortBy=title&sortOrder=descending")
    assert titles[0] == "alice@example.com"
    assert titles[1] == "dave@example.com"


async def test_index_paging_reports_totals_and_start_index(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _people(client, scim)
    body = await _list(client, scim, "sortBy=userName&startIndex=2&count=2")
    assert body["totalResults"] == 4
    assert body["startIndex"] == 2
    assert body["itemsPerPage"] == 2
    assert [u["userName"] for u in body["Resources"]] == ["bob@example.com", "carol@example.com"]
    body = await _list(client, scim, "startIndex=9&count=2")
    assert body["totalResults"] == 4 and body["Resources"] == []
    body = await _list(client, scim, "count=0")
    assert body["totalResults"] == 4 and body["Resources"] == []


async def test_paging_values_are_read_as_rfc_7644_says(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 7644 §3.4.2.4: startIndex < 1 is 1; a negative count is 0; junk is invalidValue."""
    await _people(client, scim)
    body = await _list(client, scim, "startIndex=0&count=1&sortBy=userName")
    assert body["startIndex"] == 1
    assert [u["userName"] for u in body["Resources"]] == ["alice@example.com"]
    body = await _list(client, scim, "count=-5")
    assert body["Resources"] == [] and body["totalResults"] == 4
    for query in ("count=abc", "startIndex=1.5", "sortOrder=sideways"):
        await scim_error(
            await client.get(f"{BASE}/Users?{query}", headers=scim), 400, "invalidValue"
        )
    body = await _list(client, scim, f"startIndex={10**30}")
    assert body["Resources"] == []


async def test_count_is_clamped_to_max_filter_results(
    aiohttp_client: Any, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings.replace(scim_max_filter_results=2)))
    org = await create_org(client)
    headers = await scim_headers_for(client, org["id"])
    await _people(client, headers)
    body = await _list(client, headers, "count=100")
    assert body["itemsPerPage"] == 2 and body["totalResults"] == 4
    config = await (await client.get(f"{BASE}/ServiceProviderConfig", headers=headers)).json(
        content_type=None
    )
    assert config["filter"]["maxResults"] == 2


async def test_cursor_paging_walks_every_user_once(
    client: TestClient, scim: dict[str, str]
) -> None:
    """RFC 9865 §2: an empty cursor starts, nextCursor continues, the last page has none."""
    for index in range(7):
        await create_user(client, scim, f"user{index}@example.com")
    for query in (
        "count=3",
        "count=3&sortBy=userName&sortOrder=descending",
        "count=2&sortBy=title",
    ):
        seen: list[str] = []
        body = await _list(client, scim, f"cursor=&{query}")
        while True:
            seen += [u["userName"] for u in body["Resources"]]
            if "nextCursor" not in body:
                break
            body = await _list(client, scim, f"cursor={body['nextCursor']}&{query}")
        assert sorted(seen) == sorted(f"user{i}@example.com" for i in range(7)), query
        assert len(seen) == 7
    names = await _names(client, scim, "cursor=&sortBy=userName&sortOrder=descending&count=10")
    assert names == sorted(names, reverse=True)


async def test_cursors_that_were_not_issued_are_400_invalid_cursor(
    client: TestClient, scim: dict[str, str]
) -> None:
    for index in range(3):
        await create_user(client, scim, f"c{index}@example.com")
    body = await _list(client, scim, "cursor=&count=1")
    cursor = body["nextCursor"]
    for bad in ("nonsense", "eyJhIjoxfQ", cursor[:-3], "a%20b"):
        response = await client.get(f"{BASE}/Users?cursor={bad}&count=1", headers=scim)
        await scim_error(response, 400, "invalidCursor")
    # A cursor belongs to the sort it was issued for.
    response = await client.get(f"{BASE}/Users?cursor={cursor}&sortBy=userName", headers=scim)
    await scim_error(response, 400, "invalidCursor")


async def test_search_takes_a_search_request_body(client: TestClient, scim: dict[str, str]) -> None:
    await _people(client, scim)
    response = await client.post(
        f"{BASE}/Users/.search",
        json={
            "schemas": [SEARCH],
            "filter": 'title eq "Engineer"',
            "sortBy": "userName",
            "sortOrder": "descending",
            "attributes": ["userName"],
            "startIndex": 1,
            "count": 10,
        },
        headers=scim,
    )
    assert response.status == 200
    body = await response.json(content_type=None)
    assert body["totalResults"] == 2
    assert [set(u) for u in body["Resources"]] == [{"schemas", "id", "userName"}] * 2
    assert [u["userName"] for u in body["Resources"]] == ["carol@example.com", "bob@example.com"]


async def test_lists_honour_attributes_and_excluded_attributes(
    client: TestClient, scim: dict[str, str]
) -> None:
    await _people(client, scim)
    body = await _list(client, scim, "attributes=userName,name.familyName")
    assert all(set(u) == {"schemas", "id", "userName", "name"} for u in body["Resources"])
    body = await _list(client, scim, "excludedAttributes=meta,name")
    assert all("meta" not in u and "name" not in u for u in body["Resources"])


async def test_bad_filters_are_400_invalid_filter(client: TestClient, scim: dict[str, str]) -> None:
    for bad in ("userName eq", 'nope eq "x"', "userName zz 1", "(", 'emails[type eq "work"'):
        response = await client.get(f"{BASE}/Users", params={"filter": bad}, headers=scim)
        await scim_error(response, 400, "invalidFilter")


async def test_a_bad_sort_by_is_a_400_with_a_scim_type(
    client: TestClient, scim: dict[str, str]
) -> None:
    response = await client.get(f"{BASE}/Users?sortBy=nope", headers=scim)
    assert response.status == 400
    assert (await response.json(content_type=None))["scimType"] in ("invalidPath", "invalidValue")
