"""The Invites page without a browser, on both engines: invite, resend (a new expiry), revoke,
what each refusal says, the admin role only, and the audit trail."""

import re
from datetime import datetime

from aiohttp.test_utils import TestClient

from tests.gateway.console.people import audit_entries
from tests.gateway.console.support import csrf_token, sign_in
from tests.helpers import ADMIN_HEADERS, create_org

_ROW = re.compile(r'data-testid="invite-row" data-invite-id="([^"]+)" data-invite-status="(\w+)"')


async def _invites_api(client: TestClient, org_id: str) -> list[dict]:
    response = await client.get(f"/admin/v1/orgs/{org_id}/invites", headers=ADMIN_HEADERS)
    return (await response.json())["data"]


async def _invite(client: TestClient, base: str, token: str, email: str, role: str = ""):
    return await client.post(
        f"{base}/invites",
        data={"csrf_token": token, "email": email, "role": role},
        allow_redirects=False,
    )


async def test_an_admin_invites_an_address_and_the_invite_holds_a_seat(client: TestClient):
    org = await create_org(client, seat_limit=3)
    base = await sign_in(client, org["id"], email="it@acme.test")
    token = await csrf_token(client, f"{base}/invites")

    response = await _invite(client, base, token, "new@acme.test", "editor")
    assert response.status == 303
    assert response.headers["Location"] == f"{base}/invites?notice=created"
    [invite] = await _invites_api(client, org["id"])
    assert (invite["email"], invite["role"], invite["status"]) == (
        "new@acme.test",
        "editor",
        "pending",
    )
    page = await (await client.get(f"{base}/invites")).text()
    assert _ROW.findall(page) == [(invite["id"], "pending")]
    assert "editor" in page
    seats = await (
        await client.get(f"/admin/v1/orgs/{org['id']}/seats", headers=ADMIN_HEADERS)
    ).json()
    assert seats["pending_invites"] == 1
    [entry] = [e for e in await audit_entries(client, org["id"]) if e["action"] == "invite.created"]
    assert (entry["actor"], entry["target"], entry["detail"]["email"]) == (
        "console:it@acme.test",
        invite["id"],
        "new@acme.test",
    )


async def test_resending_a_pending_invite_moves_its_expiry_later(client: TestClient):
    org = await create_org(client, seat_limit=3)
    base = await sign_in(client, org["id"], email="it@acme.test")
    token = await csrf_token(client, f"{base}/invites")
    await _invite(client, base, token, "new@acme.test")
    [before] = await _invites_api(client, org["id"])

    resent = await client.post(
        f"{base}/invites/{before['id']}/resend", data={"csrf_token": token}, allow_redirects=False
    )
    assert resent.status == 303
    [after] = await _invites_api(client, org["id"])
    assert after["status"] == "pending"
    assert datetime.fromisoformat(after["expires_at"]) > datetime.fromisoformat(
        before["expires_at"]
    )
    [entry] = [e for e in await audit_entries(client, org["id"]) if e["action"] == "invite.resent"]
    assert (entry["actor"], entry["target"]) == ("console:it@acme.test", before["id"])


async def test_revoking_frees_the_seat_and_a_revoked_invite_is_not_resent(client: TestClient):
    org = await create_org(client, seat_limit=3)
    base = await sign_in(client, org["id"])
    token = await csrf_token(client, f"{base}/invites")
    await _invite(client, base, token, "new@acme.test")
    [invite] = await _invites_api(client, org["id"])

    revoked = await client.post(
        f"{base}/invites/{invite['id']}/revoke", data={"csrf_token": token}, allow_redirects=False
    )
    assert revoked.status == 303
    assert (await _invites_api(client, org["id"]))[0]["status"] == "revoked"
    again = await client.post(f"{base}/invites/{invite['id']}/resend", data={"csrf_token": token})
    assert again.status == 409
    assert "is revoked, not pending" in await again.text()
    actions = [e["action"] for e in await audit_entries(client, org["id"])]
    assert "invite.revoked" in actions and "invite.resent" not in actions


async def test_refusals_are_said_on_the_page_with_what_was_entered(client: TestClient):
    org = await create_org(client, seat_limit=1)
    base = await sign_in(client, org["id"])
    token = await csrf_token(client, f"{base}/invites")

    bad = await _invite(client, base, token, "not-an-address")
    assert bad.status == 422
    text = await bad.text()
    assert "email must be an email address" in text and 'value="not-an-address"' in text
    await _invite(client, base, token, "one@acme.test")
    twice = await _invite(client, base, token, "ONE@acme.test")
    assert twice.status == 409
    assert "already has a pending invite" in await twice.text()
    full = await _invite(client, base, token, "two@acme.test")
    assert full.status == 409
    assert "no seat is free for an invite" in await full.text()


async def test_the_billing_role_sees_invites_but_may_not_change_them(client: TestClient):
    org = await create_org(client, seat_limit=3)
    made = await client.post(
        f"/admin/v1/orgs/{org['id']}/invites", json={"email": "x@acme.test"}, headers=ADMIN_HEADERS
    )
    invite_id = (await made.json())["id"]
    base = await sign_in(client, org["id"], role="billing")
    token = await csrf_token(client, f"{base}/invites")

    page = await (await client.get(f"{base}/invites")).text()
    assert "x@acme.test" in page and 'data-testid="invite-submit"' not in page
    assert (await _invite(client, base, token, "y@acme.test")).status == 403
    for action in ("resend", "revoke"):
        response = await client.post(
            f"{base}/invites/{invite_id}/{action}", data={"csrf_token": token}
        )
        assert response.status == 403
    assert [i["status"] for i in await _invites_api(client, org["id"])] == ["pending"]


async def test_another_orgs_invite_is_not_found(client: TestClient):
    ours = await create_org(client, seat_limit=3)
    theirs = await create_org(client, name="Globex", seat_limit=3)
    made = await client.post(
        f"/admin/v1/orgs/{theirs['id']}/invites",
        json={"email": "x@globex.test"},
        headers=ADMIN_HEADERS,
    )
    invite_id = (await made.json())["id"]
    base = await sign_in(client, ours["id"])
    token = await csrf_token(client, f"{base}/invites")

    for action in ("resend", "revoke"):
        response = await client.post(
            f"{base}/invites/{invite_id}/{action}", data={"csrf_token": token}
        )
        assert response.status == 404
    assert [i["status"] for i in await _invites_api(client, theirs["id"])] == ["pending"]
