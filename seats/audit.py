"""The audit trail: who did what to an org, written in the same transaction as the change.

Every console action and every change an admin makes lands here with its actor, so an org's
admins can answer "who released Ada's seat?" even for changes that move no seat (a SCIM token
revoked, a sign-in). Domain events say *what* changed for the product; this says *who* asked.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.model import AuditEntry
from seats.storage import audit_store

__all__ = ["AuditEntry", "newest", "record"]


async def record(
    conn: AsyncConnection,
    org_id: str,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit_store.append(
        conn,
        org_id=org_id,
        actor=actor,
        action=action,
        target=target,
        detail=detail or {},
        at=utcnow(),
    )


async def newest(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int = 50,
    before_id: int | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """An org's entries, newest first, optionally of one action only; `before_id` pages back
    from an earlier answer."""
    return await audit_store.newest(conn, org_id, limit=limit, before_id=before_id, action=action)
