"""SQL of the seat ledger: append entries (one INSERT for a transaction's entries) and read an
org's entries in id order. The table is append-only: nothing here updates or deletes."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import SeatStatus
from seats.storage.tables import seat_ledger

_INSERT = seat_ledger.insert()


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


@dataclass(frozen=True)
class NewEntry:
    org_id: str
    from_status: SeatStatus | None
    to_status: SeatStatus | None
    reason: str
    actor: str
    member_id: str | None = None
    invite_id: str | None = None


async def append(conn: AsyncConnection, entries: Sequence[NewEntry], *, at: datetime) -> None:
    await conn.execute(
        _INSERT,
        [
            {
                "org_id": entry.org_id,
                "member_id": entry.member_id,
                "invite_id": entry.invite_id,
                "from_status": entry.from_status.value if entry.from_status else None,
                "to_status": entry.to_status.value if entry.to_status else None,
                "reason": entry.reason,
                "actor": entry.actor,
                "at": at,
            }
            for entry in entries
        ],
    )


async def list_entries(
    conn: AsyncConnection, org_id: str, *, limit: int, after: int | None, member_id: str | None
) -> list[LedgerEntry]:
    """Entries oldest first, after the id `after`, optionally of one member only."""
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
