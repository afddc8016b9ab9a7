"""What the storage-failure tests check on every answer given during an outage: 503 with
`Retry-After`, and the body of the endpoint's kind (RFC 7644 §3.12 under /scim/v2, the gateway's
JSON error elsewhere)."""

from typing import Any

from aiohttp import ClientResponse

from seats.storage.failures import RETRY_AFTER_SECONDS

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def user_body(user_name: str) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "active": True}


async def assert_scim_unavailable(response: ClientResponse) -> None:
    text = await response.text()
    assert response.status == 503, text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.content_type == "application/scim+json"
    body = await response.json(content_type=None)
    assert body["schemas"] == [ERROR]
    assert body["status"] == "503"
    assert "retry" in body["detail"]


async def assert_json_unavailable(response: ClientResponse) -> None:
    text = await response.text()
    assert response.status == 503, text
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = await response.json()
    assert body["error"] == "storage_unavailable"
    assert "retry" in body["detail"]
