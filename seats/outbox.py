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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import RetryCallState, Retrying, wait_exponential

from seats.clock import utcnow
from seats.storage import outbox_store
from seats.storage.database import after_commit
from seats.storage.outbox_store import Delivery, OutboxMessage, Payload

__all__ = ["Delivery", "OutboxMessage", "Payload"]
Merge = Callable[[Payload, Payload], Payload]

# Wake-up callbacks per engine, so a commit that enqueued something wakes the worker of the
# same process at once instead of at its next poll (other processes find it by polling).
_wakers: "weakref.WeakKeyDictionary[Any, list[Callable[[], Any]]]" = weakref.WeakKeyDictionary()


async def enqueue(
    conn: AsyncConnection,
    channel: str,
    payload: Payload,
    *,
    org_id: str | None = None,
    alert_id: str | None = None,
    available_at: datetime | None = None,
    merge: Merge | None = None,
    urgent: bool = False,
) -> int:
    """Write a message that the worker sends after this transaction commits.

    With `merge`, a message of the same org and channel that no worker has claimed yet absorbs
    this one (`merge(old_payload, payload)` becomes its payload) instead of a new row being
    added: one message then carries a burst of changes (alert digests, the latest seat count
    for billing). Callers hold the org lock, so two transactions never race to add a second row.
    An `urgent` message is sent as soon as it is due, not held back by the digest window.
    """
    now = utcnow()
    if merge is not None and org_id is not None:
        found = await outbox_store.find_mergeable(conn, org_id, channel, now=now)
        if found is not None:
            message_id, current = found
            merged = merge(dict(current), payload)
            if merged != current:
                await outbox_store.replace_payload(conn, message_id, merged)
                _wake_after_commit(conn)
            return message_id
    message_id = await outbox_store.insert(
        conn,
        org_id=org_id,
        channel=channel,
        alert_id=alert_id,
        payload=payload,
        available_at=available_at or now,
        now=now,
        urgent=urgent,
    )
    _wake_after_commit(conn)
    return message_id


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
    return await outbox_store.claim(
        conn,
        channels=channels,
        worker_id=worker_id,
        now=now,
        lease=lease,
        limit=limit,
        hold=hold or {},
    )


async def mark_delivered(
    conn: AsyncConnection, message: OutboxMessage, *, worker_id: str, now: datetime, detail: str
) -> None:
    await outbox_store.release(conn, message.id, worker_id=worker_id, delivered_at=now)
    await outbox_store.log_attempt(conn, message, ok=True, detail=detail, now=now)


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
    await outbox_store.release(
        conn,
        message.id,
        worker_id=worker_id,
        failed_at=now if retry_at is None else None,
        retry_at=retry_at,
        error=error,
    )
    detail = error if retry_at is not None else f"gave up: {error}"
    await outbox_store.log_attempt(conn, message, ok=False, detail=detail, now=now)


def backoff(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """The wait before the next try after `attempts` failed ones: base, 2x, 4x ... up to cap.

    tenacity's wait_exponential asked about one attempt: the schedule is kept in the database
    (retry_at, next_attempt_at), so no tenacity retry loop runs."""
    wait = wait_exponential(multiplier=base.total_seconds(), max=cap.total_seconds())
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = max(attempts, 1)
    return timedelta(seconds=wait(state))


async def list_deliveries(
    conn: AsyncConnection, org_id: str, *, limit: int = 100, after: int | None = None
) -> list[Delivery]:
    """The org's delivery attempts in order; pass the last id seen as `after` for the next page."""
    return await outbox_store.list_deliveries(conn, org_id, limit=limit, after=after)


async def count_pending(conn: AsyncConnection, *, channel: str | None = None) -> int:
    """Messages neither delivered nor given up, of one channel or all."""
    return await outbox_store.count_pending(conn, channel=channel)


def subscribe(engine: AsyncEngine, callback: Callable[[], Any]) -> Callable[[], None]:
    """Call `callback` after each commit that enqueued a message through `engine`."""
    callbacks = _wakers.setdefault(engine.sync_engine, [])
    callbacks.append(callback)
    return lambda: callbacks.remove(callback)


def _wake_after_commit(conn: AsyncConnection) -> None:
    callbacks = _wakers.get(conn.sync_engine)
    if not callbacks:
        return

    def wake() -> None:
        for callback in list(callbacks):
            callback()

    after_commit(conn, wake)
