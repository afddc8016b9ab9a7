"""GET /admin/v1/orgs: every org, oldest first, cursor-paged, searchable by name."""

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS, create_org


async def _page(client: TestClient, query: str = "") -> dict:
    response = await client.get(f"/admin/v1/orgs{query}", headers=ADMIN_HEADERS)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_orgs_are_listed_oldest_first_in_pages(client: TestClient):
    made = [(await create_org(client, name=f"Org {n}"))["id"] for n in range(5)]
    seen: list[str] = []
    query = "?limit=2"
    while True:
        page = await _page(client, query)
        seen += [org["id"] for org in page["data"]]
        if page["next_cursor"] is None:
            break
        query = f"?limit=2&after={page['next_cursor']}"
    assert seen == made


async def test_search_keeps_the_orgs_whose_name_contains_it(client: TestClient):
    await create_org(client, name="Acme Corp")
    await create_org(client, name="Globex")
    await create_org(client, name="ACME Labs")
    await create_org(client, name="100% Real")
    page = await _page(client, "?q=acme")
    assert [org["name"] for org in page["data"]] == ["Acme Corp", "ACME Labs"]
    # Wildcards are matched as themselves.
    assert [o["name"] for o in (await _page(client, "?q=%25"))["data"]] == ["100% Real"]


async def test_bad_list_parameters_are_400(client: TestClient):
    for query in ("?limit=0", "?after=garbage", "?colour=red", "?q=" + "x" * 201):
        response = await client.get(f"/admin/v1/orgs{query}", headers=ADMIN_HEADERS)
        assert response.status == 400, query


async def test_listing_orgs_needs_the_admin_token(client: TestClient):
    assert (await client.get("/admin/v1/orgs")).status == 401
