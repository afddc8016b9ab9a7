"""The Members page without a browser, on both engines: search, seat-status filter, sort and
keyset pages; releasing and assigning seats (admin role only, audited with who did it)."""

from aiohttp.test_utils import TestClient

from tests.gateway.console.people import audit_entries, next_page_of, provision, rows_of
from tests.gateway.console.support import csrf_token, sign_in
from tests.helpers import ADMIN_HEADERS, create_org

PEOPLE = (
    ("ada@acme.test", "Ada", "Lovelace"),
    ("grace@acme.test", "Grace", "Hopper"),
    ("linus@acme.test", "Linus", "Torvalds"),
    ("alan@acme.test", "Alan", "Turing"),
    ("barbara@acme.test", "Barbara", "Liskov"),
    ("edsger@acme.test", "Edsger", "Dijkstra"),
    ("margaret@acme.test", "Margaret", "Hamilton"),
)


async def _members(client: TestClient, path: str) -> tuple[list[tuple[str, str]], str]:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    html = await response.text()
    return rows_of(html), html


async def _all_pages(client: TestClient, first: str) -> list[list[str]]:
    pages, path = [], first
    while path is not None:
        rows, html = await _members(client, path)
        pages.append([member_id for member_id, _ in rows])
        path = next_page_of(html)
    return pages


async def test_every_member_appears_once_across_pages_in_each_order(client: TestClient):
    org = await create_org(client, seat_limit=4)
    ids = await provision(client, org["id"], *PEOPLE)
    by_name = [ids[name] for name in sorted(ids)]
    created = [ids[name] for name, _, _ in PEOPLE]
    base = await sign_in(client, org["id"])

    pages = await _all_pages(client, f"{base}/members?sort=name&limit=3")
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [member for page in pages for member in page] == by_name

    pages = await _all_pages(client, f"{base}/members?sort=created&limit=2")
    assert [member for page in pages for member in page] == created

    # Last change first: every member changed once, so the newest created comes first.
    pages = await _all_pages(client, f"{base}/members?sort=changed&limit=3")
    assert sorted(member for page in pages for member in page) == sorted(created)
    assert len([member for page in pages for member in page]) == len(created)


async def test_a_member_created_between_pages_shifts_nothing(client: TestClient):
    org = await create_org(client)
    ids = await provision(client, org["id"], *PEOPLE[:4])
    base = await sign_in(client, org["id"])
    first, html = await _members(client, f"{base}/members?sort=created&limit=2")
    await provision(client, org["id"], ("zed@acme.test", "Zed", "Zero"))
    second, _ = await _members(client, next_page_of(html))  # type: ignore[arg-type]
    third = [member_id for member_id, _ in second]
    assert [m for m, _ in first] + third[:2] == [ids[name] for name, _, _ in PEOPLE[:4]]


async def test_search_finds_members_by_the_start_of_a_name_or_address(client: TestClient):
    org = await create_org(client)
    ids = await provision(client, org["id"], *PEOPLE)
    base = await sign_in(client, org["id"])

    async def found(query: str) -> set[str]:
        rows, _ = await _members(client, f"{base}/members?q={query}")
        return {member_id for member_id, _ in rows}

    assert await found("GRACE") == {ids["grace@acme.test"]}
    assert await found("hop") == {ids["grace@acme.test"]}  # family name
    assert await found("al") == {ids["alan@acme.test"]}
    assert await found("ada%40acme") == {ids["ada@acme.test"]}
    assert await found("ovelace") == set()  # a prefix, not a substring
    assert await found("%25") == set()  # LIKE's wildcard is a plain character


async def test_the_seat_status_filter_shows_only_that_status(client: TestClient):
    org = await create_org(client, seat_limit=2)
    ids = await provision(client, org["id"], *PEOPLE[:4])
    base = await sign_in(client, org["id"])

    rows, _ = await _members(client, f"{base}/members?seat_status=over_limit&sort=created")
    assert rows == [
        (ids["linus@acme.test"], "over_limit"),
        (ids["alan@acme.test"], "over_limit"),
    ]
    rows, _ = await _members(client, f"{base}/members?seat_status=active&q=grace")
    assert rows == [(ids["grace@acme.test"], "active")]


async def test_a_row_shows_the_reason_and_the_groups(client: TestClient):
    org = await create_org(client, seat_limit=1)
    ids = await provision(client, org["id"], *PEOPLE[:2])
    scim = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    token = (await scim.json())["token"]
    group = await client.post(
        "/scim/v2/Groups",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": ids["grace@acme.test"]}],
        },
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    assert group.status == 201, await group.text()
    base = await sign_in(client, org["id"])

    _, html = await _members(client, f"{base}/members?q=grace")
    assert "Engineering" in html
    assert "Hopper" in html
    # Grace arrived when the one seat was taken: the ledger's reason is her creation.
    assert "provisioned" in html


async def test_an_admin_moves_a_seat_from_one_member_to_another(client: TestClient):
    org = await create_org(client, seat_limit=1)
    ids = await provision(client, org["id"], *PEOPLE[:2])
    ada, grace = ids["ada@acme.test"], ids["grace@acme.test"]
    base = await sign_in(client, org["id"], email="it@acme.test")
    token = await csrf_token(client, f"{base}/members")

    released = await client.post(
        f"{base}/members/{ada}/release-seat",
        data={"csrf_token": token, "back": "sort=created&q=&evil=https://x.test"},
        allow_redirects=False,
    )
    assert released.status == 303
    assert released.headers["Location"] == f"{base}/members?sort=created&notice=released"
    assigned = await client.post(
        f"{base}/members/{grace}/assign-seat",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert assigned.status == 303

    rows, html = await _members(client, f"{base}/members?sort=created")
    assert rows == [(ada, "over_limit"), (grace, "active")]
    assert "seat released by an admin" in html
    entries = await audit_entries(client, org["id"])
    assert [(e["action"], e["target"], e["actor"]) for e in entries[:2]] == [
        ("seat.assigned", grace, "console:it@acme.test"),
        ("seat.released", ada, "console:it@acme.test"),
    ]


async def test_assigning_without_a_free_seat_says_why_on_the_page(client: TestClient):
    org = await create_org(client, seat_limit=1)
    ids = await provision(client, org["id"], *PEOPLE[:2])
    base = await sign_in(client, org["id"])
    token = await csrf_token(client, f"{base}/members")

    _, html = await _members(client, f"{base}/members")
    assert "No seat is free" in html and "disabled" in html
    refused = await client.post(
        f"{base}/members/{ids['grace@acme.test']}/assign-seat", data={"csrf_token": token}
    )
    assert refused.status == 409
    text = await refused.text()
    assert "no seat is free: 1 of 1 seats are in use" in text
    assert 'data-testid="member-row"' in text  # the page, not an error page
    again = await client.post(
        f"{base}/members/{ids['grace@acme.test']}/release-seat", data={"csrf_token": token}
    )
    assert again.status == 409
    assert "holds no seat to release" in await again.text()
    entries = await audit_entries(client, org["id"])
    assert [e for e in entries if e["action"].startswith("seat.")] == []


async def test_the_billing_role_sees_members_but_may_not_move_seats(client: TestClient):
    org = await create_org(client, seat_limit=1)
    ids = await provision(client, org["id"], *PEOPLE[:2])
    base = await sign_in(client, org["id"], role="billing")
    token = await csrf_token(client, f"{base}/members")

    page = await client.get(f"{base}/members")
    assert 'data-testid="release-seat"' not in await page.text()
    for member, action in (
        (ids["ada@acme.test"], "release-seat"),
        (ids["grace@acme.test"], "assign-seat"),
    ):
        refused = await client.post(f"{base}/members/{member}/{action}", data={"csrf_token": token})
        assert refused.status == 403
    rows, _ = await _members(client, f"{base}/members?sort=created")
    assert [status for _, status in rows] == ["active", "over_limit"]


async def test_another_orgs_member_is_not_found(client: TestClient):
    ours = await create_org(client, seat_limit=1)
    theirs = await create_org(client, name="Globex", seat_limit=1)
    foreign = await provision(client, theirs["id"], PEOPLE[0])
    base = await sign_in(client, ours["id"])
    token = await csrf_token(client, f"{base}/members")

    response = await client.post(
        f"{base}/members/{foreign['ada@acme.test']}/release-seat", data={"csrf_token": token}
    )
    assert response.status == 404
    seats = await client.get(f"/admin/v1/orgs/{theirs['id']}/seats", headers=ADMIN_HEADERS)
    assert (await seats.json())["used"] == 1


async def test_bad_listing_parameters_are_400_not_500(client: TestClient):
    org = await create_org(client)
    base = await sign_in(client, org["id"])
    for query in ("sort=age", "seat_status=vip", "limit=0", "after=bm90LWpzb24", "after=%F0"):
        response = await client.get(f"{base}/members?{query}")
        assert response.status == 400, query
