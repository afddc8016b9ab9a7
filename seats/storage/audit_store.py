"""SQL of the audit trail: append an entry, read an org's newest entries."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import AuditEntry
from seats.storage.tables import audit_log


async def append(
    conn: AsyncConnection,
    *,
    org_id: str,
    actor: str,
    action: str,
    target: str | None,
    detail: dict[str, Any],
    at: datetime,
) -> None:
    await conn.execute(
        audit_log.insert().values(
            org_id=org_id, actor=actor, action=action, target=target, detail=detail, created_at=at
        )
    )


async def newest(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int,
    before_id: int | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    query = sa.select(audit_log).where(audit_log.c.org_id == org_id)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    rows = (await conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit))).mappings()
    return [
        AuditEntry(
            id=row["id"],
            actor=row["actor"],
            action=row["action"],
            target=row["target"],
            detail=row["detail"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def actions_of(conn: AsyncConnection, org_id: str) -> list[str]:
    """The actions an org's trail holds, in name order (what it can be filtered by)."""
    query = (
        sa.select(audit_log.c.action)
        .where(audit_log.c.org_id == org_id)
        .distinct()
        .order_by(audit_log.c.action)
    )
    return list((await conn.execute(query)).scalars())
