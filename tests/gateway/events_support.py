"""Reading the event feed in tests: one page, or every event from a cursor to the end."""

from typing import Any

from aiohttp.test_utils import TestClient

EVENTS = "/directory/v1/events"


async def feed_page(
    client: TestClient, headers: dict[str, str], **params: Any
) -> tuple[int, dict[str, Any]]:
    response = await client.get(EVENTS, params=params, headers=headers)
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


async def read_all(
    client: TestClient, headers: dict[str, str], after: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every event after `after`, following next_cursor until a page comes back short;
    the events and the cursor to poll from next."""
    found: list[dict[str, Any]] = []
    limit = int(params.pop("limit", 100))
    while True:
        query = {**params, "limit": limit, **({"after": after} if after else {})}
        status, body = await feed_page(client, headers, **query)
        assert status == 200, body
        found += body["data"]
        after = body["next_cursor"]
        assert after is not None
        if len(body["data"]) < limit:
            return found, after
