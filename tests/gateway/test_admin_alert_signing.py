"""Choosing how an org's alert webhooks are signed, through the admin API: Standard Webhooks
for new orgs, the legacy Seatgate-Signature HMAC on request, and a secret each scheme can use."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS, create_org

STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_RULE = "webhook_secret must be whsec_ followed by the base64 of 24 to 64 random bytes"


async def _patch(client: TestClient, org_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    response = await client.patch(f"/admin/v1/orgs/{org_id}", json=body, headers=ADMIN_HEADERS)
    return response.status, await response.json()


async def test_a_new_org_signs_its_alert_webhooks_per_standard_webhooks(
    client: TestClient,
) -> None:
    org = await create_org(client, webhook_secret=STANDARD_SECRET)
    assert org["webhook_signing"] == "standard"
    assert "webhook_secret" not in org


async def test_an_unknown_signing_scheme_is_refused_naming_the_two(client: TestClient) -> None:
    org = await create_org(client)
    for value in ("hmac", 1, None):
        status, body = await _patch(client, org["id"], {"webhook_signing": value})
        assert status == 422, value
        assert body["detail"] == "webhook_signing must be one of: standard, legacy"


async def test_a_standard_org_refuses_a_secret_standard_webhooks_cannot_use(
    client: TestClient,
) -> None:
    response = await client.post(
        "/admin/v1/orgs",
        json={"name": "Acme", "webhook_secret": "s3cret"},
        headers=ADMIN_HEADERS,
    )
    assert response.status == 422
    assert (await response.json())["detail"].startswith(SECRET_RULE)
    org = await create_org(client)
    for secret in ("s3cret", "whsec_not base64!", "whsec_c2hvcnQ="):
        status, body = await _patch(client, org["id"], {"webhook_secret": secret})
        assert status == 422, secret
        assert body["detail"].startswith(SECRET_RULE)


async def test_a_legacy_org_keeps_any_secret_until_it_switches_with_a_whsec_one(
    client: TestClient,
) -> None:
    org = await create_org(client)
    status, body = await _patch(
        client, org["id"], {"webhook_signing": "legacy", "webhook_secret": "an old plain secret"}
    )
    assert (status, body["webhook_signing"]) == (200, "legacy")

    # Its stored secret cannot sign per Standard Webhooks: switching alone is refused.
    status, body = await _patch(client, org["id"], {"webhook_signing": "standard"})
    assert status == 422
    assert "or set webhook_signing to legacy" in body["detail"]
    response = await client.get(f"/admin/v1/orgs/{org['id']}", headers=ADMIN_HEADERS)
    assert (await response.json())["webhook_signing"] == "legacy"

    status, body = await _patch(
        client, org["id"], {"webhook_signing": "standard", "webhook_secret": STANDARD_SECRET}
    )
    assert (status, body["webhook_signing"]) == (200, "standard")
