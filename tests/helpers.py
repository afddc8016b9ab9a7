"""Helpers the tests share: admin calls that set up an organization and its credentials."""

from collections.abc import Mapping
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config import Settings
from gateway.settings_sources import load_settings

ADMIN_TOKEN = "test-admin-token"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The Fernet key the tests' gateways encrypt their signing keys with (SEATGATE_KEY_ENCRYPTION_KEYS).
KEY_ENCRYPTION_KEY = "KY_9QJ_1kDAevoRjnHwsdDvi9wliOfF1f9YEe2SGAqc="


async def create_org(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/admin/v1/orgs", json={"name": "Acme", **fields}, headers=ADMIN_HEADERS
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def scim_headers_for(client: TestClient, org_id: str) -> dict[str, str]:
    response = await client.post(f"/admin/v1/orgs/{org_id}/scim-tokens", headers=ADMIN_HEADERS)
    assert response.status == 201, await response.text()
    token = (await response.json())["token"]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """The settings `seatgate serve` would read from `environ` (no CLI flags, no env file)."""
    return load_settings(environ).settings
