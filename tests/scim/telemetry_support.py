"""What the connection telemetry tests share: a token whose id is known, and its telemetry as
the admin API shows it once this process has flushed what it counted."""

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import SCIM_TELEMETRY
from tests.helpers import ADMIN_HEADERS


async def connection(client: TestClient, org_id: str) -> tuple[str, str]:
    """A new SCIM token of `org_id`: (its id, the token)."""
    response = await client.post(f"/admin/v1/orgs/{org_id}/scim-tokens", headers=ADMIN_HEADERS)
    assert response.status == 201, await response.text()
    made = await response.json()
    return made["id"], made["token"]


async def telemetry(client: TestClient, org_id: str, token_id: str) -> dict[str, Any]:
    """The token's telemetry from GET /admin/v1/orgs/{org_id}/scim-tokens/{token_id}, after a
    flush (the gateway flushes every SEATGATE_SCIM_TELEMETRY_FLUSH_SECONDS on its own)."""
    await client.app[SCIM_TELEMETRY].flush()
    response = await client.get(
        f"/admin/v1/orgs/{org_id}/scim-tokens/{token_id}", headers=ADMIN_HEADERS
    )
    assert response.status == 200, await response.text()
    return (await response.json())["telemetry"]
