"""What the SCIM tests share: payload builders and a few calls that read like the IdPs' own."""

from typing import Any

from aiohttp.test_utils import TestClient

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEAT = "urn:seatgate:params:scim:schemas:extension:seat:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BASE = "/scim/v2"


def user_payload(user_name: str, **fields: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "active": True, **fields}


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


async def create_user(
    client: TestClient, headers: dict[str, str], user_name: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{BASE}/Users", json=user_payload(user_name, **fields), headers=headers
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """Assert an RFC 7644 §3.12 error body with `status` (and `scimType` when given)."""
    text = await response.text()
    assert response.status == status, text
    assert response.headers["Content-Type"].startswith("application/scim+json"), text
    body = await response.json(content_type=None)
    assert body["schemas"] == [ERROR], body
    assert body["status"] == str(status), body
    if scim_type is None:
        assert "scimType" not in body, body
    else:
        assert body.get("scimType") == scim_type, body
    assert body.get("detail"), body
    return body
