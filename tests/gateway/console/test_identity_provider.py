"""The Identity provider page: SCIM tokens made (shown once) and revoked by admins only, the
setup guides with the org's values, and org isolation."""

import re

from aiohttp.test_utils import TestClient

from gateway.config import Settings
from gateway.keys import SCIM_TELEMETRY, SCIM_TOKEN_USAGE
from tests.gateway.console.support import csrf_token, sign_in
from tests.helpers import ADMIN_HEADERS, create_org

_TOKEN = re.compile(r'data-testid="new-token-value">(sgscim_[\w-]+)<')
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.test"}


async def _create_token(client: TestClient, page: str, name: str = "Okta") -> tuple[int, str]:
    response = await client.post(
        f"{page}/tokens", data={"csrf_token": await csrf_token(client, page), "name": name}
    )
    return response.status, await response.text()


async def _audit(client: TestClient, org_id: str) -> list[dict]:
    response = await client.get(f"/admin/v1/orgs/{org_id}/audit", headers=ADMIN_HEADERS)
    return (await response.json())["data"]


async def test_an_admin_creates_a_token_that_is_shown_once_and_provisions(client: TestClient):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/identity-provider"

    status, html = await _create_token(client, page)

    assert status == 200
    token = _TOKEN.search(html)
    assert token, "the new token is not on the page"
    assert (await (await client.get(page)).text()).count(token.group(1)) == 0
    scim = await client.post(
        "/scim/v2/Users", json=USER, headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert scim.status == 201
    (entry,) = [e for e in await _audit(client, org["id"]) if e["action"] == "scim_token.created"]
    assert entry["actor"] == "console:ada@example.com" and entry["detail"] == {"name": "Okta"}


async def test_a_revoked_token_is_refused_at_once_and_listed_as_revoked(client: TestClient):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/identity-provider"
    _, html = await _create_token(client, page)
    token = _TOKEN.search(html).group(1)  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/scim/v2/Users", headers=headers)).status == 200
    token_id = re.search(r'data-token-id="([\w-]+)"', html).group(1)  # type: ignore[union-attr]

    response = await client.post(
        f"{page}/tokens/{token_id}/revoke",
        data={"csrf_token": await csrf_token(client, page)},
        allow_redirects=False,
    )

    assert response.status == 303 and response.headers["Location"] == page
    assert (await client.get("/scim/v2/Users", headers=headers)).status == 401
    assert 'class="badge revoked"' in await (await client.get(page)).text()
    (entry,) = [e for e in await _audit(client, org["id"]) if e["action"] == "scim_token.revoked"]
    assert (entry["actor"], entry["target"]) == ("console:ada@example.com", token_id)


async def test_the_billing_role_sees_the_page_but_may_not_create_or_revoke(client: TestClient):
    org = await create_org(client)
    made = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    token_id = (await made.json())["id"]
    page = await sign_in(client, org["id"], email="bill@example.com", role="billing")
    page += "/identity-provider"

    html = await (await client.get(page)).text()
    status, _ = await _create_token(client, page)
    revoke = await client.post(
        f"{page}/tokens/{token_id}/revoke", data={"csrf_token": await csrf_token(client, page)}
    )

    assert 'data-testid="create-token"' not in html and 'data-testid="revoke-token"' not in html
    assert (status, revoke.status) == (403, 403)
    listed = await client.get(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    assert [t["revoked_at"] for t in (await listed.json())["data"]] == [None]
    assert not [e for e in await _audit(client, org["id"]) if e["action"].startswith("scim_")]


async def test_another_orgs_page_and_tokens_are_not_found(client: TestClient):
    ours, theirs = await create_org(client, name="Acme"), await create_org(client, name="Globex")
    made = await client.post(f"/admin/v1/orgs/{theirs['id']}/scim-tokens", headers=ADMIN_HEADERS)
    their_token = (await made.json())["id"]
    page = await sign_in(client, ours["id"]) + "/identity-provider"

    other_page = await client.get(f"/console/orgs/{theirs['id']}/identity-provider")
    revoke = await client.post(
        f"{page}/tokens/{their_token}/revoke", data={"csrf_token": await csrf_token(client, page)}
    )

    assert (other_page.status, revoke.status) == (404, 404)
    listed = await client.get(f"/admin/v1/orgs/{theirs['id']}/scim-tokens", headers=ADMIN_HEADERS)
    assert [t["revoked_at"] for t in (await listed.json())["data"]] == [None]


async def test_the_setup_guides_carry_the_orgs_scim_base_url_and_id(
    client: TestClient, settings: Settings
):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/identity-provider"

    html = await (await client.get(page)).text()

    base_url = f"{settings.base_url}/scim/v2"
    assert f'data-testid="scim-base-url">{base_url}<' in html
    assert f"<code>{base_url}?aadOptscim062020</code>" in html  # Entra's Tenant URL
    assert f"/admin/v1/orgs/{org['id']}/scim-tokens" in html
    assert "<h3>Connecting Okta</h3>" in html and "<h3>Connecting Microsoft Entra ID</h3>" in html


async def test_a_name_longer_than_200_characters_is_refused_on_the_page(client: TestClient):
    org = await create_org(client)
    page = await sign_in(client, org["id"]) + "/identity-provider"

    status, html = await _create_token(client, page, name="x" * 201)

    assert status == 422 and "at most 200 characters" in html
    assert not _TOKEN.search(html)


async def test_the_page_shows_each_tokens_last_request_and_the_orgs_scim_errors(
    client: TestClient,
):
    org = await create_org(client)
    made = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    headers = {"Authorization": f"Bearer {(await made.json())['token']}", "User-Agent": "Okta/1"}
    page = await sign_in(client, org["id"]) + "/identity-provider"
    assert 'data-testid="token-last-used">never<' in await (await client.get(page)).text()

    bad = await client.post(
        "/scim/v2/Users", json={"schemas": [USER["schemas"][0]]}, headers=headers
    )
    await client.app[SCIM_TOKEN_USAGE].settle()
    html = await (await client.get(page)).text()

    assert bad.status == 400
    assert 'data-testid="token-last-used">never<' not in html
    assert 'data-testid="scim-error" data-status="400"' in html
    assert "<code>POST /scim/v2/Users</code>" in html and "Okta/1" in html


async def test_the_page_shows_each_tokens_detected_idp_requests_errors_and_quirks(
    client: TestClient,
):
    org = await create_org(client)
    made = await client.post(f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS)
    headers = {"Authorization": f"Bearer {(await made.json())['token']}"}
    page = await sign_in(client, org["id"]) + "/identity-provider"
    assert 'data-testid="token-idp" data-idp-profile="">' in await (await client.get(page)).text()

    # Entra's string boolean, then a userName already taken (409 uniqueness).
    entra_user = {**USER, "active": "True"}
    assert (await client.post("/scim/v2/Users", json=entra_user, headers=headers)).status == 201
    assert (await client.post("/scim/v2/Users", json=USER, headers=headers)).status == 409
    await client.app[SCIM_TELEMETRY].flush()
    html = await (await client.get(page)).text()

    assert 'data-testid="token-idp" data-idp-profile="entra">' in html
    assert "request shape: entra_string_booleans" in html
    assert 'data-testid="token-requests" data-requests="2" data-errors="1"' in html
    assert "<code>uniqueness</code> 1" in html
    assert 'data-quirk="entra_string_booleans" data-count="1"' in html
