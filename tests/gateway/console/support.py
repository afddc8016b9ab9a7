"""What the console tests share: a portal link made through the admin API, a signed-in client,
and the CSRF token of a page."""

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def portal_link(
    client: TestClient, org_id: str, *, email: str = "ada@example.com", role: str = "admin"
) -> dict[str, Any]:
    response = await client.post(
        f"/admin/v1/orgs/{org_id}/portal-links",
        json={"email": email, "role": role},
        headers=ADMIN_HEADERS,
    )
    assert response.status == 201, await response.text()
    return await response.json()


def path_of(url: str) -> str:
    """The path of a link the gateway made (its host is the configured public URL)."""
    return "/" + url.split("/", 3)[3]


async def sign_in(
    client: TestClient, org_id: str, *, email: str = "ada@example.com", role: str = "admin"
) -> str:
    """Open a console session on `client` (its cookie jar keeps it); the overview's path."""
    link = await portal_link(client, org_id, email=email, role=role)
    response = await client.get(path_of(link["url"]), allow_redirects=False)
    assert response.status == 303, await response.text()
    return response.headers["Location"]


async def csrf_token(client: TestClient, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    found = _CSRF.search(await response.text())
    assert found, "the page carries no CSRF token"
    return found.group(1)
