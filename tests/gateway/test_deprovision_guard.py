"""The mass-deprovisioning guard, replaying a Microsoft Entra ID scoping-filter mistake.

Source: Microsoft Learn, "Enable accidental deletions prevention in the Microsoft Entra
provisioning service" (the threshold this guard is modelled on) and "Known issues and
resolutions with SCIM 2.0 protocol compliance" (Entra's `"Replace"` op and `"False"` string
booleans). A scoping filter edited by mistake takes 80% of the org out of scope: Entra sends a
PATCH Replace active "False" for each of them, then a DELETE for each.

An org of 50 members may lose 10 within the hour (20%); the other 30 are held.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from gateway.alert_channels import alert_handlers
from gateway.integrations.email import EmailSender, SmtpConfig
from gateway.integrations.webhooks import WebhookSender
from gateway.keys import DATABASE
from gateway.worker import deliver_due
from tests.auth.conftest import basic, new_product_client, request_token
from tests.gateway.alert_receivers import SmtpSink, WebhookSink
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, ENTERPRISE, PATCH_OP, SEAT, USER, create_user, user_payload

ORG_SIZE = 50
OUT_OF_SCOPE = 40  # 80%
ALLOWED = 10  # 20% of 50
ENTRA_AGENT = {"User-Agent": "Azure AD SCIM Provisioning"}


def entra_user(i: int) -> dict[str, Any]:
    """Entra's "Create User" request shape (Microsoft Learn's SCIM tutorial)."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": f"0a21f0f2-0000-4f8e-bf98-{i:012d}",
        "userName": f"user{i}@contoso.test",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"user{i}@contoso.test"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"User {i}", "familyName": f"{i}", "givenName": "User"},
        "roles": [],
    }


ENTRA_DISABLE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}


@dataclass
class Tenant:
    client: TestClient
    org_id: str
    scim: dict[str, str]
    users: list[dict[str, Any]]
    smtp: SmtpSink
    hook: WebhookSink

    @property
    def admin(self) -> str:
        return f"/admin/v1/orgs/{self.org_id}"

    async def admin_get(self, path: str) -> Any:
        response = await self.client.get(self.admin + path, headers=ADMIN_HEADERS)
        assert response.status == 200, await response.text()
        return await response.json()

    async def scim_status(self, user: dict[str, Any]) -> int:
        response = await self.client.get(f"{BASE}/Users/{user['id']}", headers=self.scim)
        return response.status

    async def listed_user_names(self) -> set[str]:
        response = await self.client.get(
            f"{BASE}/Users", params={"count": "1000"}, headers=self.scim
        )
        return {user["userName"] for user in (await response.json(content_type=None))["Resources"]}

    async def seats_used(self) -> int:
        return int((await self.admin_get("/seats"))["used"])

    async def deliver_alerts(self) -> None:
        """One pass of the outbox worker with a five-minute alert digest window."""
        async with aiohttp.ClientSession() as session:
            email = EmailSender(
                SmtpConfig(host="127.0.0.1", port=self.smtp.port, timeout_seconds=5)
            )
            database = self.client.app[DATABASE]
            handlers = alert_handlers(database, email=email, webhooks=WebhookSender(session))
            await deliver_due(database, handlers, digest_seconds=300)

    async def events(self, types: str) -> list[dict[str, Any]]:
        product = await new_product_client(self.client, self.org_id)
        response = await self.client.get(
            "/directory/v1/events",
            params={"org_id": self.org_id, "types": types, "limit": "500"},
            headers=basic(product["client_id"], product["client_secret"]),
        )
        assert response.status == 200, await response.text()
        return list((await response.json())["data"])


@pytest.fixture
async def tenant(client: TestClient) -> AsyncIterator[Tenant]:
    smtp, hook = SmtpSink().start(), await WebhookSink().start()
    org = await create_org(
        client,
        seat_limit=ORG_SIZE,
        admin_emails=["it@contoso.test"],
        webhook_url=hook.url,
        webhook_secret="whsec_Z3VhcmQtc2VjcmV0LWZvci10aGUtYWxlcnQtaG9vaw==",
    )
    scim = {**await scim_headers_for(client, org["id"]), **ENTRA_AGENT}
    users = []
    for i in range(ORG_SIZE):
        response = await client.post(f"{BASE}/Users", json=entra_user(i), headers=scim)
        assert response.status == 201, await response.text()
        users.append(await response.json(content_type=None))
    yield Tenant(client, org["id"], scim, users, smtp, hook)
    smtp.stop()
    await hook.stop()


async def scoping_mistake(tenant: Tenant) -> list[dict[str, Any]]:
    """Entra disables 80% of the org, then deletes them; every answer is a success."""
    gone = await entra_disables(tenant)
    await entra_deletes(tenant, gone)
    return gone


async def entra_disables(tenant: Tenant) -> list[dict[str, Any]]:
    gone = tenant.users[:OUT_OF_SCOPE]
    for user in gone:
        response = await tenant.client.patch(
            f"{BASE}/Users/{user['id']}", json=ENTRA_DISABLE, headers=tenant.scim
        )
        assert response.status == 200, await response.text()
        assert (await response.json(content_type=None))["active"] is False
    return gone


async def entra_deletes(tenant: Tenant, gone: list[dict[str, Any]]) -> None:
    for user in gone:
        response = await tenant.client.delete(f"{BASE}/Users/{user['id']}", headers=tenant.scim)
        assert response.status == 204, await response.text()


async def test_a_scoping_mistake_deprovisions_the_first_fifth_and_holds_the_rest(
    tenant: Tenant,
) -> None:
    gone = await entra_disables(tenant)
    applied, held = gone[:ALLOWED], gone[ALLOWED:]
    # Between its disables and its deletes, Entra reads every one back as disabled.
    for user in gone:
        response = await tenant.client.get(f"{BASE}/Users/{user['id']}", headers=tenant.scim)
        assert (response.status, (await response.json(content_type=None))["active"]) == (200, False)
    assert await tenant.seats_used() == ORG_SIZE - ALLOWED
    await entra_deletes(tenant, gone)
    # What the IdP sees: all 40 gone, as it expects after its deletes.
    assert [await tenant.scim_status(u) for u in gone] == [404] * OUT_OF_SCOPE
    listed = await tenant.listed_user_names()
    assert listed == {u["userName"] for u in tenant.users[OUT_OF_SCOPE:]}
    response = await tenant.client.get(
        f"{BASE}/Users",
        params={"filter": f'userName eq "{held[0]["userName"]}"'},
        headers=tenant.scim,
    )
    assert (await response.json(content_type=None))["totalResults"] == 0
    # What the org keeps: the held 30 still hold their seats, and their product tokens issue.
    assert await tenant.seats_used() == ORG_SIZE - ALLOWED
    product = await new_product_client(tenant.client, tenant.org_id)
    status, token = await request_token(
        tenant.client, product, org_id=tenant.org_id, user_id=held[-1]["id"]
    )
    assert (status, token["seat_status"]) == (200, "active"), token
    status, _ = await request_token(
        tenant.client, product, org_id=tenant.org_id, user_id=applied[0]["id"]
    )
    assert status == 404  # deleted for real
    holds = (await tenant.admin_get("/deprovision-holds?state=open"))["data"]
    assert [(h["state"], h["held"]) for h in holds] == [("open", len(held))]
    detail = await tenant.admin_get(f"/deprovision-holds/{holds[0]['id']}")
    assert {d["member_id"] for d in detail["deprovisions"]} == {u["id"] for u in held}
    # Entra's DELETE after its PATCH turned each held deactivation into a held deletion.
    assert {d["action"] for d in detail["deprovisions"]} == {"delete"}
    assert len(await tenant.events("member.deprovision_held")) == len(held)


async def test_the_admins_are_alerted_at_once_past_the_digest_window(tenant: Tenant) -> None:
    await scoping_mistake(tenant)
    await tenant.deliver_alerts()
    subjects = [m["Subject"] for m in tenant.smtp.messages]
    assert subjects == ["[seatgate] Acme: deprovision held"], subjects
    body = tenant.smtp.messages[0].get_payload()
    assert "30 further deactivation(s) or deletion(s) are held" in body, body
    [call] = tenant.hook.calls
    alerts = call.json["alerts"]
    assert [(a["kind"], a["details"]["held"]) for a in alerts] == [("deprovision_held", 30)]


async def test_confirming_the_hold_applies_the_held_deletions(tenant: Tenant) -> None:
    gone = await scoping_mistake(tenant)
    [hold] = (await tenant.admin_get("/deprovision-holds"))["data"]
    response = await tenant.client.post(
        f"{tenant.admin}/deprovision-holds/{hold['id']}/confirm", headers=ADMIN_HEADERS
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["state"] == "confirmed"
    [decided] = (await tenant.admin_get("/deprovision-holds"))["data"]
    assert (decided["state"], decided["held"], decided["resolved_by"]) == ("confirmed", 30, "admin")
    assert await tenant.seats_used() == ORG_SIZE - OUT_OF_SCOPE
    assert len((await tenant.admin_get("/members?limit=200"))["data"]) == ORG_SIZE - OUT_OF_SCOPE
    deleted = {e["data"]["id"] for e in await tenant.events("member.deleted")}
    assert deleted == {u["id"] for u in gone}
    [confirmed] = await tenant.events("deprovision_hold.confirmed")
    assert len(confirmed["data"]["member_ids"]) == OUT_OF_SCOPE - ALLOWED
    audit = (await tenant.admin_get("/audit"))["data"]
    assert audit[0]["action"] == "deprovision_hold_confirmed"
    assert audit[0]["detail"]["deleted"] == OUT_OF_SCOPE - ALLOWED
    alerts = (await tenant.admin_get("/alerts"))["data"]
    assert [a["state"] for a in alerts if a["kind"] == "deprovision_held"] == ["closed"]
    # Decided once: a second decision is a conflict.
    response = await tenant.client.post(
        f"{tenant.admin}/deprovision-holds/{hold['id']}/reject", headers=ADMIN_HEADERS
    )
    assert response.status == 409


async def test_rejecting_the_hold_restores_the_members_as_they_were(tenant: Tenant) -> None:
    gone = await scoping_mistake(tenant)
    held = gone[ALLOWED:]
    [hold] = (await tenant.admin_get("/deprovision-holds"))["data"]
    response = await tenant.client.post(
        f"{tenant.admin}/deprovision-holds/{hold['id']}/reject", headers=ADMIN_HEADERS
    )
    assert response.status == 200, await response.text()
    assert await tenant.seats_used() == ORG_SIZE - ALLOWED
    assert [await tenant.scim_status(u) for u in held] == [200] * len(held)
    response = await tenant.client.get(f"{BASE}/Users/{held[0]['id']}", headers=tenant.scim)
    assert (await response.json(content_type=None))["active"] is True
    listed = await tenant.listed_user_names()
    assert listed == {u["userName"] for u in tenant.users[ALLOWED:]}
    # The product heard of the first ten only (deactivated, then deleted).
    changed = {e["data"]["id"] for e in await tenant.events("member.deleted,member.updated")}
    assert changed == {u["id"] for u in gone[:ALLOWED]}
    [rejected] = await tenant.events("deprovision_hold.rejected")
    assert rejected["data"]["actor"] == "admin"
    audit = (await tenant.admin_get("/audit"))["data"]
    assert audit[0]["action"] == "deprovision_hold_rejected"


async def test_an_orgs_own_threshold_overrides_the_default(client: TestClient) -> None:
    org = await create_org(client)
    response = await client.patch(
        f"/admin/v1/orgs/{org['id']}",
        json={"deprovision_guard_count": 1, "deprovision_guard_window_seconds": 600},
        headers=ADMIN_HEADERS,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["deprovision_guard_count"] == 1
    scim = await scim_headers_for(client, org["id"])
    ids = []
    for i in range(3):
        response = await client.post(f"{BASE}/Users", json=entra_user(i), headers=scim)
        ids.append((await response.json(content_type=None))["id"])
    for user_id in ids[:2]:
        response = await client.delete(f"{BASE}/Users/{user_id}", headers=scim)
        assert response.status == 204
    response = await client.get(f"/admin/v1/orgs/{org['id']}/members", headers=ADMIN_HEADERS)
    held = [m for m in (await response.json())["data"] if m["deprovision_hold_id"]]
    assert [m["id"] for m in held] == [ids[1]]


@pytest.mark.parametrize(
    "field",
    [
        {"deprovision_guard_share": 1.5},
        {"deprovision_guard_share": "0.2"},
        {"deprovision_guard_count": -1},
        {"deprovision_guard_window_seconds": 0},
        {"deprovision_guard_count": True},
    ],
)
async def test_a_threshold_that_cannot_be_is_refused(
    client: TestClient, org: dict[str, Any], field: dict[str, Any]
) -> None:
    response = await client.patch(f"/admin/v1/orgs/{org['id']}", json=field, headers=ADMIN_HEADERS)
    assert response.status == 422
    assert (await response.json())["error"] == "invalid_value"


async def test_a_held_full_put_deactivation_waits_then_frees_its_seat_on_confirm(
    client: TestClient,
) -> None:
    """Okta deactivates with a full PUT active false and reads the user back; a held one reads
    back as sent, is applied as sent on confirm, and the member waiting over the limit gets the
    freed seat."""
    org = await create_org(client, seat_limit=2, deprovision_guard_count=1)
    scim = await scim_headers_for(client, org["id"])
    admin = f"/admin/v1/orgs/{org['id']}"
    ada, bo, cy = [
        await create_user(client, scim, f"{name}@acme.test", displayName=name)
        for name in ("ada", "bo", "cy")
    ]
    assert cy[SEAT]["seatStatus"] == "over_limit"

    async def put_inactive(user: dict[str, Any]) -> dict[str, Any]:
        body = {**user_payload(user["userName"], displayName="gone"), "active": False}
        response = await client.put(f"{BASE}/Users/{user['id']}", json=body, headers=scim)
        assert response.status == 200, await response.text()
        return await response.json(content_type=None)

    async def seat_of(user: dict[str, Any]) -> str:
        response = await client.get(f"{admin}/members?limit=10", headers=ADMIN_HEADERS)
        found = {m["id"]: m["seat_status"] for m in (await response.json())["data"]}
        return found[user["id"]]

    await put_inactive(ada)  # the one the window allows: cy takes ada's seat
    assert await seat_of(cy) == "active"
    dee = await create_user(client, scim, "dee@acme.test")
    answered = await put_inactive(bo)
    assert (answered["active"], answered["displayName"]) == (False, "gone")
    # bo is held: deactivated as far as the IdP can tell, still seated; dee still waits.
    response = await client.get(f"{BASE}/Users/{bo['id']}", headers=scim)
    read = await response.json(content_type=None)
    assert (response.status, read["active"], read["displayName"]) == (200, False, "gone")
    response = await client.get(
        f"{BASE}/Users", params={"filter": f'userName eq "{bo["userName"]}"'}, headers=scim
    )
    assert [u["active"] for u in (await response.json(content_type=None))["Resources"]] == [False]
    assert (await seat_of(bo), await seat_of(dee)) == ("active", "over_limit")

    [hold] = (await (await client.get(f"{admin}/deprovision-holds", headers=ADMIN_HEADERS)).json())[
        "data"
    ]
    response = await client.post(
        f"{admin}/deprovision-holds/{hold['id']}/confirm", headers=ADMIN_HEADERS
    )
    assert response.status == 200, await response.text()
    assert (await seat_of(bo), await seat_of(dee)) == ("deactivated", "active")
    response = await client.get(f"{BASE}/Users/{bo['id']}", headers=scim)
    assert (await response.json(content_type=None))["displayName"] == "gone"
    ledger = (await (await client.get(f"{admin}/ledger", headers=ADMIN_HEADERS)).json())["data"]
    assert [(e["member_id"], e["to"], e["reason"], e["actor"]) for e in ledger[-2:]] == [
        (bo["id"], "deactivated", "deactivated", "admin"),
        (dee["id"], "active", "promoted", "admin"),
    ]


async def test_the_idp_reactivating_a_held_user_takes_it_out_of_the_hold(
    client: TestClient,
) -> None:
    """Entra's PATCH Replace active "True" after its "False": the IdP undid its own mistake."""
    org = await create_org(client, deprovision_guard_count=1)
    scim = await scim_headers_for(client, org["id"])
    admin = f"/admin/v1/orgs/{org['id']}"
    first, second = [await create_user(client, scim, f"{name}@acme.test") for name in ("a", "b")]
    for user in (first, second):
        response = await client.patch(
            f"{BASE}/Users/{user['id']}", json=ENTRA_DISABLE, headers=scim
        )
        assert response.status == 200
    [hold] = (await (await client.get(f"{admin}/deprovision-holds", headers=ADMIN_HEADERS)).json())[
        "data"
    ]
    assert (hold["state"], hold["held"]) == ("open", 1)
    enable = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
    }
    response = await client.patch(f"{BASE}/Users/{second['id']}", json=enable, headers=scim)
    assert response.status == 200, await response.text()
    assert (await response.json(content_type=None))["active"] is True
    [hold] = (await (await client.get(f"{admin}/deprovision-holds", headers=ADMIN_HEADERS)).json())[
        "data"
    ]
    assert (hold["state"], hold["held"], hold["resolved_by"]) == ("rejected", 0, "scim")
    response = await client.get(f"{admin}/members?seat_status=active", headers=ADMIN_HEADERS)
    assert [m["id"] for m in (await response.json())["data"]] == [second["id"]]
