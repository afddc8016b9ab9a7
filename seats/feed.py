"""The event feed as the product reads it: cursors, pages, and retention.

An event leaves the gateway in one shape, whether the product polls
`GET /directory/v1/events` or receives it by webhook: `feed_event`. A cursor names a position
in the log (`evt_<position>`, the id of the last event the consumer has seen); a page never
skips an event (seats/storage/event_store.py says why) and always carries the cursor to poll
from next, also when it is empty. Events older than the retention window are pruned; a cursor
that points among them is refused (`CursorExpired`), so a consumer learns it must resync from
the directory instead of silently missing changes.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.errors import CursorExpired, InvalidValue
from seats.events import EVENT_TYPES
from seats.profile import iso_time
from seats.storage import event_store
from seats.storage.event_store import StoredEvent

MAX_PAGE = 1000
_CURSOR = re.compile(r"evt_(\d{1,18})")


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: str


def event_id(position: int) -> str:
    return f"evt_{position}"


def parse_cursor(text: str) -> int:
    """The position a cursor names; InvalidValue for anything that is not one."""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise InvalidValue(f"{text!r} is not an event cursor: pass an event id such as evt_42")
    return int(match.group(1))


def parse_types(types: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidValue(
            f"unknown event type {', '.join(unknown)}; the types are {', '.join(EVENT_TYPES)}"
        )
    return tuple(dict.fromkeys(types))


def feed_event(event: StoredEvent) -> dict[str, Any]:
    """The public shape of an event (the feed's items and the body of a webhook delivery)."""
    return {
        "id": event_id(event.position),
        "type": event.type,
        "org_id": event.org_id,
        "created_at": iso_time(event.created_at),
        "data": event.data,
    }


async def read_feed(
    conn: AsyncConnection,
    *,
    after: int | None,
    limit: int,
    org_ids: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
) -> FeedPage:
    """The events after `after` (None: from the oldest kept), oldest first."""
    horizon = await event_store.horizon(conn)
    if after is not None and after < horizon.pruned_through:
        raise CursorExpired(
            f"events after {event_id(after)} are past the retention window and were pruned; "
            "resync from the directory API, then poll from the cursor of a fresh page",
            oldest=event_id(horizon.pruned_through),
        )
    if after is not None and after > horizon.last:
        raise InvalidValue(f"{event_id(after)} is ahead of the newest event ({horizon.last})")
    start = horizon.pruned_through if after is None else after
    found = await event_store.read_after(
        conn, start, through=horizon.last, limit=limit, org_ids=org_ids, types=types
    )
    # A full page resumes after its last event; a short one has seen everything up to the
    # horizon (events after it commit later and get higher positions).
    resume = found[-1].position if len(found) == limit else horizon.last
    return FeedPage([feed_event(e) for e in found], event_id(resume))


async def prune_expired(conn: AsyncConnection, *, retention: timedelta, now: datetime) -> int:
    """Delete events older than the retention window; return how many went."""
    return await event_store.prune(conn, before=now - retention)
