"""The seat ledger: an append-only record of every seat status change (member or invite, from,
to, reason, actor, time), kept for good (the event log is pruned), and the paged read of it the
admin API serves. Its entries are derived from seat events (seats/event_log.py) and written
with them (seats/storage/event_store.py); the rows are read by seats/storage/ledger_store.py."""

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage import ledger_store
from seats.storage.ledger_store import LedgerEntry, NewEntry

__all__ = ["LedgerEntry", "NewEntry", "Reason", "list_entries"]


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
    SEAT_RELEASED = "seat_released"
    SEAT_ASSIGNED = "seat_assigned"
    CHANGED = "changed"


async def list_entries(
    conn: AsyncConnection,
    org_id: str,
    *,
    limit: int = 100,
    after: int | None = None,
    member_id: str | None = None,
) -> list[LedgerEntry]:
    """Entries oldest first; pass the last id seen as `after` for the next page."""
    return await ledger_store.list_entries(
        conn, org_id, limit=limit, after=after, member_id=member_id
    )
