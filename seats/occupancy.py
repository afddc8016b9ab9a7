"""Who holds the seats: counting them, moving members between `active` and `over_limit`
(promotions oldest-first, demotions newest-first), the seat side of invites, and keeping the
over-limit episode alert in step. Every function runs under the org lock, in the caller's
transaction."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats import alerts, event_log
from seats.clock import utcnow
from seats.events import InviteEnded, SeatChanged
from seats.ledger import Reason
from seats.model import SeatStatus
from seats.storage.tables import UTCDateTime, invites, members, orgs

PENDING = "pending"


@dataclass(frozen=True)
class Usage:
    active: int  # non-exempt active members
    over_limit: int
    pending_invites: int  # unexpired
    capacity: int | None  # the seat limit as stored now (None: unlimited)

    @property
    def used(self) -> int:
        """Counted seats: non-exempt active members plus unexpired pending invites."""
        return self.active + self.pending_invites

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.used, 0)


async def usage(conn: AsyncConnection, org_id: str, *, now: datetime | None = None) -> Usage:
    """The counts, in one round trip (this runs on every seat decision)."""

    def members_in(status: SeatStatus) -> sa.ScalarSelect[int]:
        return (
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.org_id == org_id, members.c.seat_status == status.value)
            .where(members.c.exempt.is_(False))
            .scalar_subquery()
        )

    pending = (
        sa.select(sa.func.count())
        .select_from(invites)
        .where(invites.c.org_id == org_id, _unexpired_pending(now or utcnow()))
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            sa.select(
                members_in(SeatStatus.ACTIVE),
                members_in(SeatStatus.OVER_LIMIT),
                pending,
                orgs.c.seat_limit,
            ).where(orgs.c.id == org_id)
        )
    ).one()
    return Usage(active=row[0], over_limit=row[1], pending_invites=row[2], capacity=row[3])


async def has_pending_invites(conn: AsyncConnection, org_id: str) -> bool:
    """Whether an unexpired invite holds a seat (an index probe, not a count)."""
    parameters = {"org_id": org_id, "now": utcnow()}
    return bool((await conn.execute(_ANY_PENDING_INVITE, parameters)).scalar())


async def promote_waiting(conn: AsyncConnection, org_id: str, *, actor: str) -> list[str]:
    """Give every free seat to an over_limit member, oldest first; return who was promoted."""
    counts = await usage(conn, org_id)
    if counts.over_limit == 0 or counts.free == 0:
        return []
    query = (
        sa.select(members.c.id)
        .where(members.c.org_id == org_id, members.c.seat_status == SeatStatus.OVER_LIMIT.value)
        # A member whose seat an admin released waits until an admin assigns it one.
        .where(members.c.seat_held.is_(False))
        .order_by(members.c.seat_since, members.c.created_at, members.c.id)
    )
    if counts.free is not None:
        query = query.limit(counts.free)
    ids = list((await conn.execute(query)).scalars())
    if ids:
        await _set_status(conn, ids, SeatStatus.ACTIVE)
        _record_moves(
            conn, org_id, ids, SeatStatus.OVER_LIMIT, SeatStatus.ACTIVE, Reason.PROMOTED, actor
        )
    return ids


async def demote_newest(
    conn: AsyncConnection, org_id: str, excess: int, *, actor: str, now: datetime
) -> tuple[list[str], list[str]]:
    """Take `excess` seats back from the newest holders: members become over_limit, pending
    invites are revoked. Returns (member ids, invite ids)."""
    if excess <= 0:
        return [], []
    holders = (
        await conn.execute(
            sa.select(members.c.id, members.c.seat_since)
            .where(members.c.org_id == org_id, members.c.exempt.is_(False))
            .where(members.c.seat_status == SeatStatus.ACTIVE.value)
            .order_by(members.c.seat_since.desc(), members.c.created_at.desc(), members.c.id)
            .limit(excess)
        )
    ).all()
    pending = (
        await conn.execute(
            sa.select(invites.c.id, invites.c.created_at)
            .where(invites.c.org_id == org_id, _unexpired_pending(now))
            .order_by(invites.c.created_at.desc(), invites.c.id)
            .limit(excess)
        )
    ).all()
    newest = sorted(
        [(since, "member", id_) for id_, since in holders]
        + [(since, "invite", id_) for id_, since in pending],
        key=lambda item: item[0],
        reverse=True,
    )[:excess]
    member_ids = [id_ for _, what, id_ in newest if what == "member"]
    invite_ids = [id_ for _, what, id_ in newest if what == "invite"]
    if member_ids:
        await _set_status(conn, member_ids, SeatStatus.OVER_LIMIT, now=now)
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
    invite_id = (
        await conn.execute(
            sa.select(invites.c.id)
            .where(invites.c.org_id == org_id, invites.c.email_key.in_(email_keys))
            .where(_unexpired_pending(utcnow()))
            .order_by(invites.c.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    if invite_id is not None:
        await conn.execute(
            invites.update()
            .where(invites.c.id == invite_id)
            .values(status="accepted", member_id=member_id, updated_at=utcnow())
        )
    return invite_id


async def end_invite(
    conn: AsyncConnection, org_id: str, invite_id: str, status: str, *, reason: str, actor: str
) -> None:
    """Close a pending invite (revoked or expired); its seat is free for the caller to give."""
    await conn.execute(
        invites.update().where(invites.c.id == invite_id).values(status=status, updated_at=utcnow())
    )
    event_log.record(conn, InviteEnded(org_id, invite_id, status, reason, actor))


async def expire_due_invites(conn: AsyncConnection, org_id: str, *, now: datetime) -> int:
    """Mark pending invites past their expiry as expired (they stopped counting at expiry)."""
    ids = list(
        (
            await conn.execute(
                sa.select(invites.c.id).where(
                    invites.c.org_id == org_id,
                    invites.c.status == PENDING,
                    invites.c.expires_at <= now,
                )
            )
        ).scalars()
    )
    for invite_id in ids:
        await end_invite(
            conn, org_id, invite_id, "expired", reason=Reason.INVITE_EXPIRED, actor="system"
        )
    return len(ids)


def _unexpired_pending(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(invites.c.status == PENDING, invites.c.expires_at > now)


# Built once (checked on every create in an org without a seat limit).
_ANY_PENDING_INVITE = sa.select(
    sa.exists().where(
        invites.c.org_id == sa.bindparam("org_id"),
        _unexpired_pending(sa.bindparam("now", type_=UTCDateTime())),
    )
)


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


async def _set_status(
    conn: AsyncConnection, ids: list[str], status: SeatStatus, *, now: datetime | None = None
) -> None:
    now = now or utcnow()
    await conn.execute(
        members.update()
        .where(members.c.id.in_(ids))
        .values(
            seat_status=status.value,
            over_limit_since=now if status is SeatStatus.OVER_LIMIT else None,
            version=members.c.version + 1,
            updated_at=now,
        )
    )
