"""The transactional outbox: side effects (alert email and webhooks, billing pushes) are rows
written in the transaction that caused them, so they exist exactly when the change committed.

A worker claims due rows with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two workers
never claim the same row), delivers them after the claim committed, then marks them delivered or
schedules a retry with exponential backoff; every attempt goes to the delivery log. Which
channels exist is the worker's business: any string works here (`email`, `webhook`,
`billing_push`, ...), and a row waits until a worker with a handler for its channel runs.
"""

import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seats.clock import utcnow
from seats.storage.database import after_commit
from seats.storage.tables import delivery_log, outbox

Payload = dict[str, Any]
Merge = Callable[[Payload, Payload], Payload]

# Wake-up callbacks per engine, so a commit that enqueued something wakes the worker of the
# same process at once instead of at its next poll (other processes find it by polling).
_wakers: "weakref.WeakKeyDictionary[Any, list[Callable[[], Any]]]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    org_id: str | None
    channel: str
    alert_id: str | None
    payload: Payload
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One attempt from the delivery log."""

    id: int
    outbox_id: int
    org_id: str | None
    channel: str
    attempt: int
    ok: bool
    detail: str
    at: datetime


async def enqueue(
    conn: AsyncConnection,
    channel: str,
    payload: Payload,
    *,
    org_id: str | None = None,
    alert_id: str | None = None,
    available_at: datetime | None = None,
    merge: Merge | None = None,
) -> int:
    """Write a message that the worker sends after this transaction commits.

    With `merge`, a message of the same org and channel that no worker has claimed yet absorbs
    this one (`merge(old_payload, payload)` becomes its payload) instead of a new row being
    added: one message then carries a burst of changes (alert digests, the latest seat count
    for billing). Callers hold the org lock, so two transactions never race to add a second row.
    """
    now = utcnow()
    if merge is not None and org_id is not None:
        query = (
            sa.select(outbox.c.id, outbox.c.payload)
            .where(
                outbox.c.org_id == org_id,
                outbox.c.channel == channel,
                _pending(now),
            )
            .order_by(outbox.c.id)
            .limit(1)
        )
        if conn.dialect.name == "postgresql":
            # Waits for a worker claiming the row right now; the WHERE is re-checked after the
            # wait, so a row that just got claimed is skipped and a new one is written.
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        if row is not None:
            merged = merge(dict(row.payload), payload)
            if merged != row.payload:
                await conn.execute(
                    outbox.update()
                    .where(outbox.c.id == row.id)
                    # An expired lease is taken back: the slow worker's late "delivered" then
                    # matches nothing, and the merged message is sent again rather than lost.
                    .values(payload=merged, claimed_by=None)
                )
                _wake_after_commit(conn)
            return int(row.id)
    result = await conn.execute(
        outbox.insert().values(
            org_id=org_id,
            channel=channel,
            alert_id=alert_id,
            payload=payload,
            available_at=available_at or now,
            attempts=0,
            created_at=now,
        )
    )
    _wake_after_commit(conn)
    return int(result.inserted_primary_key[0])


async def claim_due(
    conn: AsyncConnection,
    *,
    channels: Collection[str],
    worker_id: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    hold: Mapping[str, timedelta] | None = None,
) -> list[OutboxMessage]:
    """Lease up to `limit` due messages of `channels` to `worker_id` (commit before sending).

    `hold` keeps a channel's messages back until they are that old: the alert digest window,
    during which further alerts merge into the waiting message.
    """
    if not channels:
        return []
    due = [outbox.c.channel.in_(list(channels)), outbox.c.available_at <= now, _pending(now)]
    for channel, delay in (hold or {}).items():
        due.append(sa.or_(outbox.c.channel != channel, outbox.c.created_at <= now - delay))
    query = sa.select(outbox.c.id).where(*due).order_by(outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list((await conn.execute(query)).scalars())
    if not ids:
        return []
    await conn.execute(
        outbox.update()
        .where(outbox.c.id.in_(ids))
        .values(claimed_by=worker_id, claimed_until=now + lease, attempts=outbox.c.attempts + 1)
    )
    rows = (
        (await conn.execute(sa.select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)))
        .mappings()
        .all()
    )
    return [
        OutboxMessage(
            id=row["id"],
            org_id=row["org_id"],
            channel=row["channel"],
            alert_id=row["alert_id"],
            payload=row["payload"],
            attempts=row["attempts"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def mark_delivered(
    conn: AsyncConnection, message: OutboxMessage, *, worker_id: str, now: datetime, detail: str
) -> None:
    await conn.execute(
        outbox.update()
        .where(outbox.c.id == message.id, outbox.c.claimed_by == worker_id)
        .values(delivered_at=now, claimed_by=None, claimed_until=None, last_error=None)
    )
    await _log(conn, message, ok=True, detail=detail, now=now)


async def mark_attempt_failed(
    conn: AsyncConnection,
    message: OutboxMessage,
    *,
    worker_id: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Release the lease and retry at `retry_at`, or give up for good when it is None."""
    values: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": error}
    if retry_at is None:
        values["failed_at"] = now
    else:
        values["available_at"] = retry_at
    await conn.execute(
        outbox.update()
        .where(outbox.c.id == message.id, outbox.c.claimed_by == worker_id)
        .values(values)
    )
    detail = error if retry_at is not None else f"gave up: {error}"
    await _log(conn, message, ok=False, detail=detail, now=now)


def backoff(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """The wait before the next try after `attempts` failed ones: base, 2x, 4x ... up to cap."""
    return min(base * (2 ** max(attempts - 1, 0)), cap)


async def list_deliveries(
    conn: AsyncConnection, org_id: str, *, limit: int = 100, after: int | None = None
) -> list[Delivery]:
    query = sa.select(delivery_log).where(delivery_log.c.org_id == org_id)
    if after is not None:
        query = query.where(delivery_log.c.id > after)
    rows = (await conn.execute(query.order_by(delivery_log.c.id).limit(limit))).mappings().all()
    return [Delivery(**{k: row[k] for k in Delivery.__dataclass_fields__}) for row in rows]


async def count_pending(conn: AsyncConnection, *, channel: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(outbox).where(_pending(None))
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    return int((await conn.execute(query)).scalar_one())


def subscribe(engine: AsyncEngine, callback: Callable[[], Any]) -> Callable[[], None]:
    """Call `callback` after each commit that enqueued a message through `engine`."""
    callbacks = _wakers.setdefault(engine.sync_engine, [])
    callbacks.append(callback)
    return lambda: callbacks.remove(callback)


def _pending(now: datetime | None) -> sa.ColumnElement[bool]:
    condition = sa.and_(outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None))
    if now is None:
        return condition
    return sa.and_(
        condition, sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
    )


def _wake_after_commit(conn: AsyncConnection) -> None:
    callbacks = _wakers.get(conn.sync_engine)
    if not callbacks:
        return

    def wake() -> None:
        for callback in list(callbacks):
            callback()

    after_commit(conn, wake)


async def _log(
    conn: AsyncConnection, message: OutboxMessage, *, ok: bool, detail: str, now: datetime
) -> None:
    await conn.execute(
        delivery_log.insert().values(
            outbox_id=message.id,
            org_id=message.org_id,
            channel=message.channel,
            attempt=message.attempts,
            ok=ok,
            detail=detail[:2000],
            at=now,
        )
    )
