"""The seat ledger: an append-only record of every seat status change (member or invite, from,
to, reason, actor, time), and the paged read of it the admin API serves."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import utcnow
from seats.model import SeatStatus
from seats.storage.tables import seat_ledger


class Reason:
    """Why a status changed; the values are part of the admin API."""

    CREATED = "created"
    DELETED = "deleted"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    EXEMPTION_GAINED = "exemption_gained"
    EXEMPTION_LOST = "exemption_lost"
    PROMOTED = "promoted"
    DOWNGRADE_ENFORCED = "downgrade_enforced"
    AUTO_EXPANDED = "auto_expanded"
    INVITED = "invited"
    INVITE_ACCEPTED = "invite_accepted"
    INVITE_REVOKED = "invite_revoked"
    INVITE_EXPIRED = "invite_expired"
    CHANGED = "changed"


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    org_id: str
    member_id: str | None
    invite_id: str | None
    from_status: SeatStatus | None
    to_status: SeatStatus | None
    reason: str
    actor: str
    at: datetime


async def record(
    conn: AsyncConnection,
    org_id: str,
    *,
    from_status: SeatStatus | None,
    to_status: SeatStatus | None,
    reason: str,
    actor: str,
    member_id: str | None = None,
    invite_id: str | None = None,
    at: datetime | None = None,
) -> None:
    await record_many(
        conn,
        org_id,
        [member_id],
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor,
        invite_id=invite_id,
        at=at,
    )


async def record_many(
    conn: AsyncConnection,
    org_id: str,
    member_ids: list[str | None],
    *,
    from_status: SeatStatus | None,
    to_status: SeatStatus | None,
    reason: str,
    actor: str,
    invite_id: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry per member for the same change (one INSERT for a batch of promotions)."""
    if not member_ids:
        return
    when = at or utcnow()
    await conn.execute(
        seat_ledger.insert(),
        [
            {
                "org_id": org_id,
                "member_id": member_id,
                "invite_id": invite_id,
                "from_status": from_status.value if from_status else None,
                "to_status": to_status.value if to_status else None,
                "reason": reason,
                "actor": actor,
                "at": when,
            }
            for member_id in member_ids
        ],
    )


async def list_entries(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int = 100,
    after: int | None = None,
    member_id: str | None = None,
) -> list[LedgerEntry]:
    """Entries oldest first; pass the last id seen as `after` for the next page."""
    query = sa.select(seat_ledger).where(seat_ledger.c.org_id == org_id)
    if after is not None:
        query = query.where(seat_ledger.c.id > after)
    if member_id is not None:
        query = query.where(seat_ledger.c.member_id == member_id)
    rows = (await conn.execute(query.order_by(seat_ledger.c.id).limit(limit))).mappings().all()
    return [_to_entry(row) for row in rows]


def _to_entry(row: Mapping[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        org_id=row["org_id"],
        member_id=row["member_id"],
        invite_id=row["invite_id"],
        from_status=SeatStatus(row["from_status"]) if row["from_status"] else None,
        to_status=SeatStatus(row["to_status"]) if row["to_status"] else None,
        reason=row["reason"],
        actor=row["actor"],
        at=row["at"],
    )
