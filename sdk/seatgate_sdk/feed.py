"""The event-feed consumer: polls `GET /directory/v1/events` from a cursor, hands each event to
the product's handler in order, and after each handled page calls the product's cursor
persistence callback with the page's `next_cursor`.

Delivery is **at least once**: the cursor is saved only after a whole page was handled, so a
crash between handling an event and saving the cursor replays the rest of that page on the next
start. Make the handler idempotent by `event.id` (remember the ids applied, or apply events in a
way that repeating one changes nothing). A cursor older than the gateway's retention is
CursorExpired (410): resynchronize from the directory, then consume from cursor None.
"""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from seatgate_sdk._http import Api, AsyncApi
from seatgate_sdk.events import Event, EventPage

DEFAULT_PAGE = 100

AsyncHandler = Callable[[Event], Awaitable[None] | None]
AsyncSaveCursor = Callable[[str], Awaitable[None] | None]


def _params(
    after: str | None, limit: int, org_id: str | None, types: Iterable[str] | None
) -> dict[str, Any]:
    return {
        "after": after,
        "limit": limit,
        "org_id": org_id,
        "types": None if types is None else ",".join(types),
    }


def _page(body: dict[str, Any]) -> EventPage:
    return EventPage([Event.from_json(item) for item in body["data"]], body["next_cursor"])


async def _maybe_await(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result


class AsyncEventFeed(AsyncApi):
    """Follow the feed with one product client's credentials. `org_id` narrows a global
    client to one org; `types` to some event types."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        org_id: str | None = None,
        types: Iterable[str] | None = None,
        page_size: int = DEFAULT_PAGE,
        **options: Any,
    ) -> None:
        super().__init__(base_url, client_id, client_secret, **options)
        self.org_id = org_id
        self.types = None if types is None else tuple(types)
        self.page_size = page_size

    async def page(self, after: str | None) -> EventPage:
        """One page after `after` (None: from the oldest event kept)."""
        params = _params(after, self.page_size, self.org_id, self.types)
        return _page(await self._get("/directory/v1/events", params))

    async def consume(
        self,
        handle: AsyncHandler,
        *,
        cursor: str | None,
        save_cursor: AsyncSaveCursor,
        follow: bool = False,
        poll_seconds: float = 5.0,
    ) -> str:
        """Hand every event after `cursor` to `handle` in order; after each page, call
        `save_cursor(next_cursor)`. Without `follow`, return the cursor once up to date; with
        it, wait `poll_seconds` and poll again until cancelled. Both callbacks may be plain or
        async functions. A handler that raises stops the consumer before the page's cursor is
        saved, so that page is handed over again next time."""
        while True:
            page = await self.page(cursor)
            for event in page.events:
                await _maybe_await(handle(event))
            if page.next_cursor != cursor:
                await _maybe_await(save_cursor(page.next_cursor))
                cursor = page.next_cursor
            if len(page.events) < self.page_size:
                if not follow:
                    return cursor
                await asyncio.sleep(poll_seconds)


class EventFeed(Api):
    """The blocking twin of AsyncEventFeed."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        org_id: str | None = None,
        types: Iterable[str] | None = None,
        page_size: int = DEFAULT_PAGE,
        **options: Any,
    ) -> None:
        super().__init__(base_url, client_id, client_secret, **options)
        self.org_id = org_id
        self.types = None if types is None else tuple(types)
        self.page_size = page_size

    def page(self, after: str | None) -> EventPage:
        params = _params(after, self.page_size, self.org_id, self.types)
        return _page(self._get("/directory/v1/events", params))

    def consume(
        self,
        handle: Callable[[Event], None],
        *,
        cursor: str | None,
        save_cursor: Callable[[str], None],
        follow: bool = False,
        poll_seconds: float = 5.0,
    ) -> str:
        while True:
            page = self.page(cursor)
            for event in page.events:
                handle(event)
            if page.next_cursor != cursor:
                save_cursor(page.next_cursor)
                cursor = page.next_cursor
            if len(page.events) < self.page_size:
                if not follow:
                    return cursor
                time.sleep(poll_seconds)
