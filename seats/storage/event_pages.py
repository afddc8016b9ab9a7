"""SQL of reading the event log backwards: an org's events newest first, before a position
(the console's Activity page pages back through them; the product's feed only reads forward,
seats/storage/event_store.py)."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.event_store import StoredEvent
from seats.storage.event_tables import events


async def read_before(
    conn: AsyncConnection,
    before: int,
    *,
    limit: int,
    org_ids: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
) -> list[StoredEvent]:
    """Events before position `before`, newest first, optionally of some orgs and types only."""
    query = sa.select(events).where(events.c.id < before)
    if org_ids is not None:
        query = query.where(events.c.org_id.in_(org_ids))
    if types is not None:
        query = query.where(events.c.type.in_(types))
    rows = (await conn.execute(query.order_by(events.c.id.desc()).limit(limit))).mappings()
    return [
        StoredEvent(row["id"], row["org_id"], row["type"], row["data"], row["created_at"])
        for row in rows
    ]
