"""Who holds the seats: counting them, moving members between `active` and `over_limit`
(promotions oldest-first, demotions newest-first, as seats/rules.py says), the seat side of
invites, and keeping the over-limit episode alert in step. Every function runs under the org
lock, in the caller's transaction; the SQL is in seats/storage/seat_store.py."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, event_log, rules
from seats.clock import utcnow
from seats.events import InviteEnded, SeatChanged
from seats.ledger import Reason
from seats.model import Org, SeatStatus
from seats.rules import Usage
from seats.storage import seat_store
from seats.storage.seat_store import ACCEPTED, PENDING

__all__ = ["PENDING", "Usage"]


async def usage(conn: AsyncConnection, org_id: str, *, now: datetime | None = None) -> Usage:
    """The counts, in one round trip (this runs on every seat decision)."""
    return await seat_store.usage(conn, org_id, now=now or utcnow())


async def has_pending_invites(conn: AsyncConnection, org_id: str) -> bool:
    return await seat_store.any_pending_invite(conn, org_id, now=utcnow())


async def promote_waiting(conn: AsyncConnection, org_id: str, *, actor: str) -> list[str]:
    """Give every free seat to a member waiting over the limit, oldest first; return who was
    promoted."""
    count = rules.seats_to_promote(await usage(conn, org_id))
    if count == 0:
        return []
    ids = await seat_store.waiting_members(conn, org_id, limit=count)
    if ids:
        await seat_store.set_statuses(conn, ids, SeatStatus.ACTIVE, now=utcnow())
        _record_moves(
            conn, org_id, ids, SeatStatus.OVER_LIMIT, SeatStatus.ACTIVE, Reason.PROMOTED, actor
        )
    return ids


async def promote_into_freed_seat(conn: AsyncConnection, org: Org, *, actor: str) -> list[str]:
    """`promote_waiting` after a member stopped counting, asked only where someone can be
    waiting: nobody waits in an org without a seat limit (lifting a limit promotes them all),
    and with one an index probe comes before the count. Deprovisioning a member of an org
    where nobody waits so costs no count of its members."""
    if org.seat_limit is None or not await seat_store.anyone_waiting(conn, org.id):
        return []
    return await promote_waiting(conn, org.id, actor=actor)


async def demote_newest(
    conn: AsyncConnection, org_id: str, excess: int, *, actor: str, now: datetime
) -> tuple[list[str], list[str]]:
    """Take `excess` seats back from the newest holders: members become over_limit, pending
    invites are revoked. Returns (member ids, invite ids)."""
    if excess <= 0:
        return [], []
    holders = await seat_store.newest_holders(conn, org_id, excess, now=now)
    demoted = rules.newest_to_demote(holders, excess)
    member_ids = [holder.id for holder in demoted if not holder.is_invite]
    invite_ids = [holder.id for holder in demoted if holder.is_invite]
    if member_ids:
        await seat_store.set_statuses(conn, member_ids, SeatStatus.OVER_LIMIT, now=now)
        _record_moves(
            conn,
            org_id,
            member_ids,
            SeatStatus.ACTIVE,
            SeatStatus.OVER_LIMIT,
            Reason.DOWNGRADE_ENFORCED,
            actor,
        )
    for invite_id in invite_ids:
        await end_invite(
            conn, org_id, invite_id, "revoked", reason=Reason.DOWNGRADE_ENFORCED, actor=actor
        )
    return member_ids, invite_ids


async def sync_episode(conn: AsyncConnection, org_id: str) -> None:
    """Open, update or close the over-limit episode alert to match the current counts."""
    counts = await usage(conn, org_id)
    await alerts.track_over_limit(
        conn, org_id, over_limit=counts.over_limit, used=counts.used, capacity=counts.capacity
    )


async def claim_invite(
    conn: AsyncConnection, org_id: str, email_keys: list[str], *, member_id: str
) -> str | None:
    """Hand a pending invite's seat to the member being created with its email address."""
    if not email_keys:
        return None
    now = utcnow()
    invite_id = await seat_store.oldest_pending_invite(conn, org_id, email_keys, now=now)
    if invite_id is not None:
        await seat_store.set_invite_status(conn, invite_id, ACCEPTED, now=now, member_id=member_id)
    return invite_id


async def end_invite(
    conn: AsyncConnection, org_id: str, invite_id: str, status: str, *, reason: str, actor: str
) -> None:
    """Close a pending invite (revoked or expired); its seat is free for the caller to give."""
    await seat_store.set_invite_status(conn, invite_id, status, now=utcnow())
    event_log.record(conn, InviteEnded(org_id, invite_id, status, reason, actor))


async def expire_due_invites(conn: AsyncConnection, org_id: str, *, now: datetime) -> int:
    """Mark pending invites past their expiry as expired (they stopped counting at expiry)."""
    ids = await seat_store.expired_pending_invites(conn, org_id, now=now)
    for invite_id in ids:
        await end_invite(
            conn, org_id, invite_id, "expired", reason=Reason.INVITE_EXPIRED, actor="system"
        )
    return len(ids)


def _record_moves(
    conn: AsyncConnection,
    org_id: str,
    member_ids: list[str],
    from_status: SeatStatus,
    to_status: SeatStatus,
    reason: str,
    actor: str,
) -> None:
    event_log.record(
        conn,
        *(SeatChanged(org_id, id_, to_status, from_status, reason, actor) for id_ in member_ids),
    )
