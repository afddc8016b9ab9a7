"""What happened in an org, for its admins (the console's Activity page): its events from the
event log, newest first, paged both ways by cursor; its alert deliveries; its audit trail.

Newer pages are the product's feed read (seats.feed.read_feed, from a cursor on); older pages
read the log backwards from a cursor. Either way a page names the cursors of its neighbours.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import audit, feed
from seats.model import AuditEntry
from seats.storage import audit_store, event_pages, event_store, outbox_store
from seats.storage.outbox_store import Delivery

__all__ = ["Delivery", "EventPage", "audit_actions", "deliveries", "events", "trail"]


@dataclass(frozen=True)
class EventPage:
    events: list[dict[str, Any]]  # seats.feed.feed_event shapes, newest first
    older: str | None  # the cursor of the page before, if there are older events
    newer: str | None  # the cursor of the page after, if there are newer events


async def events(
    conn: AsyncConnection,
    org_id: str,
    *,
    types: Sequence[str] | None = None,
    before: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> EventPage:
    """A page of the org's events: the newest, or those before or after a cursor (an event
    id). InvalidValue for a bad cursor or type, CursorExpired past the retention window."""
    kinds = feed.parse_types(types) if types else None
    if after is not None:
        page = await feed.read_feed(
            conn, after=feed.parse_cursor(after), limit=limit, org_ids=[org_id], types=kinds
        )
        shown = list(reversed(page.events))
        return EventPage(
            shown,
            older=shown[-1]["id"] if shown else feed.event_id(feed.parse_cursor(after) + 1),
            newer=page.next_cursor if len(page.events) == limit else None,
        )
    start = feed.parse_cursor(before) if before is not None else None
    if start is None:
        start = (await event_store.horizon(conn)).last + 1
    found = await event_pages.read_before(
        conn, start, limit=limit + 1, org_ids=[org_id], types=kinds
    )
    shown = [feed.feed_event(e) for e in found[:limit]]
    return EventPage(
        shown,
        older=shown[-1]["id"] if len(found) > limit else None,
        newer=shown[0]["id"] if before is not None and shown else None,
    )


async def deliveries(conn: AsyncConnection, org_id: str, *, limit: int = 50) -> list[Delivery]:
    """The org's newest alert delivery attempts (email and webhook), newest first."""
    return await outbox_store.newest_deliveries(conn, org_id, limit=limit, before=None)


async def trail(
    conn: AsyncConnection, org_id: str, *, action: str | None = None, limit: int = 50
) -> list[AuditEntry]:
    return await audit.newest(conn, org_id, limit=limit, action=action)


async def audit_actions(conn: AsyncConnection, org_id: str) -> list[str]:
    return await audit_store.actions_of(conn, org_id)
