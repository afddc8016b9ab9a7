"""Members for the Members and Invites tests: provisioned over SCIM the way an IdP does, and the
rows a console page shows (read from its HTML)."""

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import ADMIN_HEADERS, scim_headers_for

_ROW = re.compile(
    r'<tr data-testid="member-row" data-member-id="([^"]+)" data-seat-status="([^"]+)"'
)
_NEXT = re.compile(r'<a href="([^"]+)" data-testid="next-page"')


async def provision(
    client: TestClient, org_id: str, *people: tuple[str, str, str]
) -> dict[str, str]:
    """Create (userName, given name, family name) users in order; their ids by userName."""
    headers = await scim_headers_for(client, org_id)
    ids = {}
    for user_name, given, family in people:
        response = await client.post(
            "/scim/v2/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": user_name, "type": "work", "primary": True}],
                "active": True,
            },
            headers=headers,
        )
        assert response.status == 201, await response.text()
        ids[user_name] = (await response.json())["id"]
    return ids


def rows_of(html: str) -> list[tuple[str, str]]:
    """(member id, seat status) of each member row, in page order."""
    return _ROW.findall(html)


def next_page_of(html: str) -> str | None:
    found = _NEXT.search(html)
    return None if found is None else found.group(1).replace("&amp;", "&")


async def audit_entries(client: TestClient, org_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/admin/v1/orgs/{org_id}/audit", headers=ADMIN_HEADERS)
    assert response.status == 200, await response.text()
    return (await response.json())["data"]
