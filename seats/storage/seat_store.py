"""SQL of who holds the seats: the counts every seat decision reads (the org row's counters),
the members waiting for a seat and the newest holders, and the writes that move members and
invites between statuses."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import Member, SeatStatus
from seats.rules import Holder, Usage
from seats.storage.invite_store import PENDING
from seats.storage.member_store import to_member
from seats.storage.tables import UTCDateTime, invites, members, orgs

# An invite that the IdP's provisioning of its address turned into a member.
ACCEPTED = "accepted"


def _unexpired_pending(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(invites.c.status == PENDING, invites.c.expires_at > now)


# Unexpired pending invites of the org (they are few): with "org_id" and "now" bound.
PENDING_INVITE_COUNT = (
    sa.select(sa.func.count())
    .select_from(invites)
    .where(
        invites.c.org_id == sa.bindparam("org_id"),
        _unexpired_pending(sa.bindparam("now", type_=UTCDateTime())),
    )
    .scalar_subquery()
)
# Built once (a statement caches its compiled form): this runs on every seat decision. The
# member counts are the org row's counters (kept by triggers on members), so it costs the same
# at 10 or 100,000 members.
_USAGE = sa.select(
    orgs.c.seats_active, orgs.c.seats_over_limit, PENDING_INVITE_COUNT, orgs.c.seat_limit
).where(orgs.c.id == sa.bindparam("org_id"))
_ANY_PENDING_INVITE = sa.select(
    sa.exists().where(
        invites.c.org_id == sa.bindparam("org_id"),
        _unexpired_pending(sa.bindparam("now", type_=UTCDateTime())),
    )
)
# Waiting members in the order they get seats: oldest first. A member whose seat an admin
# released waits until an admin assigns it one.
_WAITING_CRITERIA = (
    members.c.org_id == sa.bindparam("org_id"),
    members.c.seat_status == SeatStatus.OVER_LIMIT.value,
    members.c.seat_held.is_(False),
)
_WAITING = (
    sa.select(members.c.id)
    .where(*_WAITING_CRITERIA)
    .order_by(members.c.seat_since, members.c.created_at, members.c.id)
)
_ANYONE_WAITING = sa.select(sa.exists().where(*_WAITING_CRITERIA))


async def usage(conn: AsyncConnection, org_id: str, *, now: datetime) -> Usage:
    """The counts, in one round trip."""
    row = (await conn.execute(_USAGE, {"org_id": org_id, "now": now})).one()
    return Usage(active=row[0], over_limit=row[1], pending_invites=row[2], capacity=row[3])


def usage_of_org_row(org_row: Mapping[str, Any]) -> Usage:
    """The counts from an org row locked in this transaction (its counters are current); its
    pending invites include any that expired and were not yet marked so."""
    return Usage(
        active=org_row["seats_active"],
        over_limit=org_row["seats_over_limit"],
        pending_invites=org_row["invites_pending"],
        capacity=org_row["seat_limit"],
    )


async def any_pending_invite(conn: AsyncConnection, org_id: str, *, now: datetime) -> bool:
    """Whether an unexpired invite holds a seat (an index probe, not a count)."""
    return bool((await conn.execute(_ANY_PENDING_INVITE, {"org_id": org_id, "now": now})).scalar())


async def anyone_waiting(conn: AsyncConnection, org_id: str) -> bool:
    """Whether a member waits for a seat (an index probe, not a count)."""
    return bool((await conn.execute(_ANYONE_WAITING, {"org_id": org_id})).scalar())


async def waiting_members(conn: AsyncConnection, org_id: str, *, limit: int | None) -> list[str]:
    """Ids of members waiting for a seat, oldest first (None: all of them)."""
    query = _WAITING if limit is None else _WAITING.limit(limit)
    return list((await conn.execute(query, {"org_id": org_id})).scalars())


async def newest_holders(
    conn: AsyncConnection, org_id: str, count: int, *, now: datetime
) -> list[Holder]:
    """The `count` newest member seat holders and the `count` newest pending invites."""
    held = await conn.execute(
        sa.select(members.c.id, members.c.seat_since)
        .where(members.c.org_id == org_id, members.c.exempt.is_(False))
        .where(members.c.seat_status == SeatStatus.ACTIVE.value)
        .order_by(members.c.seat_since.desc(), members.c.created_at.desc(), members.c.id)
        .limit(count)
    )
    pending = await conn.execute(
        sa.select(invites.c.id, invites.c.created_at)
        .where(invites.c.org_id == org_id, _unexpired_pending(now))
        .order_by(invites.c.created_at.desc(), invites.c.id)
        .limit(count)
    )
    return [Holder(id_, since) for id_, since in held] + [
        Holder(id_, since, is_invite=True) for id_, since in pending
    ]


async def set_statuses(
    conn: AsyncConnection, member_ids: list[str], status: SeatStatus, *, now: datetime
) -> None:
    await conn.execute(
        members.update()
        .where(members.c.id.in_(member_ids))
        .values(
            seat_status=status.value,
            over_limit_since=now if status is SeatStatus.OVER_LIMIT else None,
            version=members.c.version + 1,
            updated_at=now,
        )
    )


async def set_member_seat(
    conn: AsyncConnection, member_id: str, status: SeatStatus, *, held: bool, now: datetime
) -> None:
    """Give or take one member's seat by an admin. A member given a seat queues as the newest
    holder (demotions take the newest first)."""
    values = {
        "seat_status": status.value,
        "seat_held": held,
        "over_limit_since": now if status is SeatStatus.OVER_LIMIT else None,
        "version": members.c.version + 1,
        "updated_at": now,
    }
    if status is SeatStatus.ACTIVE:
        values["seat_since"] = now
    await conn.execute(members.update().where(members.c.id == member_id).values(values))


async def oldest_pending_invite(
    conn: AsyncConnection, org_id: str, email_keys: list[str], *, now: datetime
) -> str | None:
    return (
        await conn.execute(
            sa.select(invites.c.id)
            .where(invites.c.org_id == org_id, invites.c.email_key.in_(email_keys))
            .where(_unexpired_pending(now))
            .order_by(invites.c.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()


async def set_invite_status(
    conn: AsyncConnection,
    invite_id: str,
    status: str,
    *,
    now: datetime,
    member_id: str | None = None,
) -> None:
    values = {"status": status, "updated_at": now}
    if member_id is not None:
        values["member_id"] = member_id
    await conn.execute(invites.update().where(invites.c.id == invite_id).values(values))


async def expired_pending_invites(
    conn: AsyncConnection, org_id: str, *, now: datetime
) -> list[str]:
    """Pending invites past their expiry (they stopped counting at expiry)."""
    query = sa.select(invites.c.id).where(
        invites.c.org_id == org_id, invites.c.status == PENDING, invites.c.expires_at <= now
    )
    return list((await conn.execute(query)).scalars())


async def members_in_seat_order(conn: AsyncConnection, org_id: str) -> list[Member]:
    """Every member of the org, in the order they queued for seats (oldest first)."""
    query = (
        sa.select(members)
        .where(members.c.org_id == org_id)
        .order_by(members.c.seat_since, members.c.created_at, members.c.id)
    )
    return [to_member(row) for row in (await conn.execute(query)).mappings()]


async def set_exemption(
    conn: AsyncConnection, member_id: str, exempt: bool, status: SeatStatus, *, now: datetime
) -> None:
    """A member gains or loses exemption; one that starts counting queues as the newest."""
    values = {
        "exempt": exempt,
        "seat_status": status.value,
        "over_limit_since": now if status is SeatStatus.OVER_LIMIT else None,
        "version": members.c.version + 1,
        "updated_at": now,
    }
    if not exempt:
        values["seat_since"] = now
    await conn.execute(members.update().where(members.c.id == member_id).values(values))
