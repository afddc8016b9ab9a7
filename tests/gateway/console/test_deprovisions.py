"""The overview's banner and the Deprovisions page without a browser, on both engines: an admin
rejects a hold, the billing role may not decide, a form without its CSRF token is refused, and
the decision is audited with the person's name."""

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.console.people import audit_entries
from tests.gateway.console.support import csrf_token, sign_in
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, create_user

_HELD = re.compile(r'data-testid="held-row" data-member-id="([^"]+)" data-action="(\w+)"')


async def held_org(client: TestClient) -> tuple[dict[str, Any], list[str]]:
    """An org that may lose 2 members within the window; its IdP deletes 5 of 6."""
    org = await create_org(client, deprovision_guard_count=2)
    scim = await scim_headers_for(client, org["id"])
    ids = [(await create_user(client, scim, f"u{i}@acme.test"))["id"] for i in range(6)]
    for user_id in ids[:5]:
        response = await client.delete(f"{BASE}/Users/{user_id}", headers=scim)
        assert response.status == 204
    return org, ids[2:5]


async def test_the_overview_shows_a_hold_and_an_admin_rejects_it(client: TestClient) -> None:
    org, held = await held_org(client)
    base = await sign_in(client, org["id"], email="it@acme.test")
    overview = await (await client.get(base)).text()
    assert 'data-testid="deprovision-banner"' in overview
    assert "3 deprovision(s) held" in overview
    page = await (await client.get(f"{base}/deprovisions")).text()
    assert _HELD.findall(page) == [(member_id, "delete") for member_id in held]
    hold_id = re.search(r'data-hold-id="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    token = await csrf_token(client, f"{base}/deprovisions")
    response = await client.post(
        f"{base}/deprovisions/{hold_id}/reject", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == f"{base}/deprovisions?notice=rejected"
    seats = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
    ).json()
    assert seats["used"] == 4
    assert 'data-testid="deprovision-banner"' not in await (await client.get(base)).text()
    page = await (await client.get(f"{base}/deprovisions")).text()
    assert 'data-hold-state="rejected"' in page
    assert "3 deprovision(s) held" in page
    [entry] = [
        e for e in await audit_entries(client, org["id"]) if e["action"].startswith("deprovision")
    ]
    assert (entry["action"], entry["actor"], entry["target"]) == (
        "deprovision_hold_rejected",
        "console:it@acme.test",
        hold_id,
    )


async def test_the_billing_role_sees_the_hold_but_may_not_decide(client: TestClient) -> None:
    org, _ = await held_org(client)
    base = await sign_in(client, org["id"], email="cfo@acme.test", role="billing")
    page = await (await client.get(f"{base}/deprovisions")).text()
    assert 'data-testid="confirm-hold"' not in page
    hold_id = re.search(r'data-hold-id="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    token = await csrf_token(client, f"{base}/invites")
    response = await client.post(
        f"{base}/deprovisions/{hold_id}/confirm", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status == 403
    holds = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/deprovision-holds", headers=ADMIN_HEADERS)
    ).json()
    assert [h["state"] for h in holds["data"]] == ["open"]


async def test_a_decision_without_the_csrf_token_is_refused(client: TestClient) -> None:
    org, _ = await held_org(client)
    base = await sign_in(client, org["id"], email="it@acme.test")
    page = await (await client.get(f"{base}/deprovisions")).text()
    hold_id = re.search(r'data-hold-id="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = await client.post(f"{base}/deprovisions/{hold_id}/confirm", allow_redirects=False)
    assert response.status == 403
    holds = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/deprovision-holds", headers=ADMIN_HEADERS)
    ).json()
    assert [h["state"] for h in holds["data"]] == ["open"]
