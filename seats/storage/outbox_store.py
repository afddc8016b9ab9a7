"""SQL of the transactional outbox and its delivery log: add a message or find the unclaimed
one a new message may merge into, lease due messages to a worker, release them as delivered,
to retry or given up, log each attempt, and the reads the admin API and tests make.

A message is pending while it is neither delivered nor given up; it is claimable while pending
and not leased (or its lease ran out). Writes happen in the caller's transaction and are never
committed here.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import UTCDateTime, delivery_log, outbox

Payload = dict[str, Any]


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


_NOW = sa.bindparam("now", type_=UTCDateTime())
_PENDING = sa.and_(outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None))
_UNLEASED = sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < _NOW)

# Built once (a statement caches its compiled form): enqueue runs in every write that raises
# an alert or moves a billed seat count.
_INSERT = outbox.insert()
_MERGEABLE = (
    sa.select(outbox.c.id, outbox.c.payload)
    .where(
        outbox.c.org_id == sa.bindparam("org_id"),
        outbox.c.channel == sa.bindparam("channel"),
        _PENDING,
        _UNLEASED,
    )
    .order_by(outbox.c.id)
    .limit(1)
)
# Waits for a worker claiming the row right now; the WHERE is re-checked after the wait, so a
# row that just got claimed is skipped and the caller writes a new one.
_MERGEABLE_LOCKED = _MERGEABLE.with_for_update()
# The SET clause takes the columns named in the parameters (payload, delivered_at, ...).
_BY_ID = outbox.update().where(outbox.c.id == sa.bindparam("message_id"))
_CLAIM = (
    outbox.update()
    .where(outbox.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        claimed_by=sa.bindparam("worker_id"),
        claimed_until=sa.bindparam("lease_until", type_=UTCDateTime()),
        attempts=outbox.c.attempts + 1,
    )
    .returning(*outbox.c)
)
_RELEASE = _BY_ID.where(outbox.c.claimed_by == sa.bindparam("worker_id")).values(
    claimed_by=None, claimed_until=None
)
_LOG = delivery_log.insert()
_COUNT_PENDING = sa.select(sa.func.count()).select_from(outbox).where(_PENDING)
_COUNT_PENDING_OF = _COUNT_PENDING.where(outbox.c.channel == sa.bindparam("channel"))


async def insert(
    conn: AsyncConnection,
    *,
    org_id: str | None,
    channel: str,
    alert_id: str | None,
    payload: Payload,
    available_at: datetime,
    now: datetime,
    urgent: bool = False,
) -> int:
    result = await conn.execute(
        _INSERT,
        {
            "urgent": urgent,
            "org_id": org_id,
            "channel": channel,
            "alert_id": alert_id,
            "payload": payload,
            "available_at": available_at,
            "attempts": 0,
            "created_at": now,
        },
    )
    return int(result.inserted_primary_key[0])


async def find_mergeable(
    conn: AsyncConnection, org_id: str, channel: str, *, now: datetime
) -> tuple[int, Payload] | None:
    """The oldest claimable message of the org and channel, with its payload (on PostgreSQL
    row-locked until the transaction ends)."""
    query = _MERGEABLE_LOCKED if conn.dialect.name == "postgresql" else _MERGEABLE
    row = (await conn.execute(query, {"org_id": org_id, "channel": channel, "now": now})).first()
    return None if row is None else (int(row.id), dict(row.payload))


async def replace_payload(conn: AsyncConnection, message_id: int, payload: Payload) -> None:
    """Give an unclaimed message a new payload. A lease that ran out is taken back with it: the
    slow worker's late "delivered" then matches nothing, and the message is sent again rather
    than lost."""
    await conn.execute(_BY_ID, {"message_id": message_id, "payload": payload, "claimed_by": None})


async def claim(
    conn: AsyncConnection,
    *,
    channels: Collection[str],
    worker_id: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    hold: Mapping[str, timedelta],
) -> list[OutboxMessage]:
    """Lease up to `limit` due messages of `channels`, oldest first; a channel in `hold` only
    once its messages are that old. PostgreSQL skips rows another worker is claiming."""
    held = tuple(hold)
    query = _due_query(held, conn.dialect.name == "postgresql")
    parameters: dict[str, Any] = {"channels": list(channels), "now": now, "limit": limit}
    for i, channel in enumerate(held):
        parameters[f"held_before_{i}"] = now - hold[channel]
    ids = list((await conn.execute(query, parameters)).scalars())
    if not ids:
        return []
    claimed = await conn.execute(
        _CLAIM, {"ids": ids, "worker_id": worker_id, "lease_until": now + lease}
    )
    rows = sorted(claimed.mappings().all(), key=lambda row: row["id"])
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


async def release(
    conn: AsyncConnection,
    message_id: int,
    *,
    worker_id: str,
    delivered_at: datetime | None = None,
    failed_at: datetime | None = None,
    retry_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """End `worker_id`'s lease: delivered, given up, or due again at `retry_at`. A worker whose
    lease was taken back changes nothing."""
    values: dict[str, Any] = {"message_id": message_id, "worker_id": worker_id, "last_error": error}
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    if failed_at is not None:
        values["failed_at"] = failed_at
    if retry_at is not None:
        values["available_at"] = retry_at
    await conn.execute(_RELEASE, values)


async def log_attempt(
    conn: AsyncConnection, message: OutboxMessage, *, ok: bool, detail: str, now: datetime
) -> None:
    await conn.execute(
        _LOG,
        {
            "outbox_id": message.id,
            "org_id": message.org_id,
            "channel": message.channel,
            "attempt": message.attempts,
            "ok": ok,
            "detail": detail[:2000],
            "at": now,
        },
    )


async def list_deliveries(
    conn: AsyncConnection, org_id: str, *, limit: int, after: int | None
) -> list[Delivery]:
    """The org's delivery log in id order, after the id `after`."""
    query = sa.select(delivery_log).where(delivery_log.c.org_id == org_id)
    if after is not None:
        query = query.where(delivery_log.c.id > after)
    rows = (await conn.execute(query.order_by(delivery_log.c.id).limit(limit))).mappings().all()
    return [Delivery(**{k: row[k] for k in Delivery.__dataclass_fields__}) for row in rows]


async def newest_deliveries(
    conn: AsyncConnection, org_id: str, *, limit: int, before: int | None
) -> list[Delivery]:
    """The org's delivery log newest first, before the id `before`."""
    query = sa.select(delivery_log).where(delivery_log.c.org_id == org_id)
    if before is not None:
        query = query.where(delivery_log.c.id < before)
    rows = (
        (await conn.execute(query.order_by(delivery_log.c.id.desc()).limit(limit))).mappings().all()
    )
    return [Delivery(**{k: row[k] for k in Delivery.__dataclass_fields__}) for row in rows]


async def count_pending(conn: AsyncConnection, *, channel: str | None) -> int:
    if channel is None:
        return int((await conn.execute(_COUNT_PENDING)).scalar_one())
    return int((await conn.execute(_COUNT_PENDING_OF, {"channel": channel})).scalar_one())


@lru_cache(maxsize=16)
def _due_query(held: tuple[str, ...], postgresql: bool) -> sa.Select[tuple[int]]:
    """The ids of due messages, built once per worker shape (its held channels, the engine)."""
    due = [
        outbox.c.channel.in_(sa.bindparam("channels", expanding=True)),
        outbox.c.available_at <= _NOW,
        _PENDING,
        _UNLEASED,
    ]
    for i, channel in enumerate(held):
        held_before = sa.bindparam(f"held_before_{i}", type_=UTCDateTime())
        due.append(
            sa.or_(outbox.c.channel != channel, outbox.c.created_at <= held_before, outbox.c.urgent)
        )
    query = (
        sa.select(outbox.c.id)
        .where(*due)
        .order_by(outbox.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    return query.with_for_update(skip_locked=True) if postgresql else query
