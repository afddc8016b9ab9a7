"""Getting into an org's console: portal links, sessions, org isolation, CSRF, sign-out."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import create_async_engine

from auth.storage.tables import console_links, console_sessions
from gateway.config import Settings
from seats.clock import utcnow
from tests.auth.conftest import basic
from tests.gateway.console.support import csrf_token, path_of, portal_link, sign_in
from tests.helpers import ADMIN_HEADERS, create_org


async def _sql(settings: Settings, statement: sa.Executable) -> list[sa.Row]:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(statement)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_a_portal_link_opens_the_console_of_its_org_once(client: TestClient, org: dict):
    link = await portal_link(client, org["id"])
    assert link["url"].startswith("http://127.0.0.1/console/enter/sglink_")
    expires_in = (datetime.fromisoformat(link["expires_at"]) - utcnow()).total_seconds()
    assert 590 < expires_in <= 600

    entered = await client.get(path_of(link["url"]), allow_redirects=False)
    assert entered.status == 303
    assert entered.headers["Location"] == f"/console/orgs/{org['id']}"
    cookie = entered.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie

    overview = await client.get(entered.headers["Location"])
    assert overview.status == 200
    assert 'data-testid="seats-used">0<' in await overview.text()

    again = await client.get(path_of(link["url"]), allow_redirects=False)
    assert again.status == 410
    assert "already been used or has expired" in await again.text()


async def test_only_the_hash_of_a_link_and_of_a_session_is_stored(
    client: TestClient, org: dict, settings: Settings
):
    link = await portal_link(client, org["id"])
    token = link["url"].rsplit("/", 1)[1]
    await client.get(path_of(link["url"]), allow_redirects=False)
    session_token = client.session.cookie_jar.filter_cookies(client.make_url("/console"))[
        "seatgate_console"
    ].value
    for table in (console_links, console_sessions):
        rows = await _sql(settings, sa.select(table))
        stored = " ".join(str(value) for row in rows for value in row)
        assert token not in stored and session_token not in stored


async def test_an_expired_link_is_refused(client: TestClient, org: dict, settings: Settings):
    link = await portal_link(client, org["id"])
    await _sql(settings, console_links.update().values(expires_at=utcnow()))
    response = await client.get(path_of(link["url"]), allow_redirects=False)
    assert response.status == 410


async def test_a_product_client_of_the_org_may_make_a_portal_link(client: TestClient, org: dict):
    other = await create_org(client, name="Other")
    made = await client.post(f"/admin/v1/orgs/{org['id']}/clients", headers=ADMIN_HEADERS)
    credentials = await made.json()
    auth = basic(credentials["client_id"], credentials["client_secret"])
    body = {"email": "ada@example.com", "role": "billing"}

    ours = await client.post(f"/admin/v1/orgs/{org['id']}/portal-links", json=body, headers=auth)
    assert ours.status == 201
    theirs = await client.post(
        f"/admin/v1/orgs/{other['id']}/portal-links", json=body, headers=auth
    )
    assert theirs.status == 404
    wrong = basic(credentials["client_id"], "not-the-secret")
    refused = await client.post(
        f"/admin/v1/orgs/{org['id']}/portal-links", json=body, headers=wrong
    )
    assert refused.status == 401
    # Basic credentials open no other admin route.
    orgs = await client.get(f"/admin/v1/orgs/{org['id']}", headers=auth)
    assert orgs.status == 401


async def test_portal_link_requests_are_checked(client: TestClient, org: dict):
    url = f"/admin/v1/orgs/{org['id']}/portal-links"
    for body, field in [
        ({"email": "ada@example.com", "role": "owner"}, "role"),
        ({"role": "admin"}, "email"),
        ({"email": "ada@example.com", "colour": "red"}, "colour"),
    ]:
        response = await client.post(url, json=body, headers=ADMIN_HEADERS)
        assert response.status == 422, body
        assert field in (await response.json())["detail"]
    unknown = await client.post(
        "/admin/v1/orgs/nope/portal-links", json={"email": "a@b.c"}, headers=ADMIN_HEADERS
    )
    assert unknown.status == 404


async def test_without_a_session_org_pages_send_you_to_sign_in(client: TestClient, org: dict):
    response = await client.get(f"/console/orgs/{org['id']}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"


async def test_a_session_sees_no_other_org(client: TestClient, org: dict):
    other = await create_org(client, name="Other")
    await sign_in(client, org["id"])
    for path in (f"/console/orgs/{other['id']}", "/console/orgs/no-such-org"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 404
        assert "Page not found" in await response.text()


async def test_pages_carry_a_strict_content_security_policy(client: TestClient, org: dict):
    overview = await client.get(await sign_in(client, org["id"]))
    policy = overview.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert overview.headers["Cache-Control"] == "no-store"
    assert overview.headers["Referrer-Policy"] == "no-referrer"


async def test_a_post_without_the_csrf_token_is_refused(client: TestClient, org: dict):
    overview = await sign_in(client, org["id"])
    refused = await client.post(f"{overview}/sign-out", data={}, allow_redirects=False)
    assert refused.status == 403
    forged = await client.post(
        f"{overview}/sign-out", data={"csrf_token": "0" * 64}, allow_redirects=False
    )
    assert forged.status == 403
    assert (await client.get(overview, allow_redirects=False)).status == 200


async def test_sign_out_ends_the_session(client: TestClient, org: dict):
    overview = await sign_in(client, org["id"])
    token = await csrf_token(client, overview)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/console"))
    out = await client.post(
        f"{overview}/sign-out", data={"csrf_token": token}, allow_redirects=False
    )
    assert out.status == 303 and out.headers["Location"] == "/console/login?signed_out=1"
    # The cookie the browser had no longer opens anything, even if it was kept.
    client.session.cookie_jar.update_cookies(cookie)
    after = await client.get(overview, allow_redirects=False)
    assert after.status == 303 and after.headers["Location"] == "/console/login?expired=1"


async def test_a_session_ends_when_idle_and_after_its_maximum_age(
    client: TestClient, org: dict, settings: Settings
):
    overview = await sign_in(client, org["id"])
    idle = utcnow() - timedelta(seconds=settings.console_session_idle_seconds + 1)
    await _sql(settings, console_sessions.update().values(last_seen_at=idle))
    assert (await client.get(overview, allow_redirects=False)).status == 303

    overview = await sign_in(client, org["id"])
    old = utcnow() - timedelta(seconds=settings.console_session_max_seconds + 1)
    await _sql(settings, console_sessions.update().values(created_at=old))
    assert (await client.get(overview, allow_redirects=False)).status == 303


async def test_sign_ins_and_portal_links_land_in_the_audit_trail(client: TestClient, org: dict):
    await sign_in(client, org["id"], email="grace@example.com")
    response = await client.get(f"/admin/v1/orgs/{org['id']}/audit", headers=ADMIN_HEADERS)
    assert response.status == 200
    entries = (await response.json())["data"]
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("console:grace@example.com", "console.signed_in"),
        ("admin", "portal_link.created"),
    ]
