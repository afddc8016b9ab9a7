"""SQL of admin invites: the invite record, insert, read one or an org's by status, and the two
lookups an invite's address is checked against (a pending invite, a member holding it).

A pending invite past its `expires_at` reads as expired here, before the worker marks it so:
the seat it held is free from that moment. Writes happen in the caller's transaction and are
never committed here.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import UTCDateTime, invites, members

PENDING = "pending"
EXPIRED = "expired"


@dataclass(frozen=True)
class Invite:
    id: str
    org_id: str
    email: str
    role: str | None
    status: str  # pending, accepted, revoked, expired
    expires_at: datetime
    member_id: str | None
    created_at: datetime
    updated_at: datetime


_NOW = sa.bindparam("now", type_=UTCDateTime())
_INSERT = invites.insert()
_BY_ID = sa.select(invites).where(
    invites.c.org_id == sa.bindparam("org_id"), invites.c.id == sa.bindparam("invite_id")
)
_PENDING_FOR_ADDRESS = (
    sa.select(invites)
    .where(invites.c.org_id == sa.bindparam("org_id"), invites.c.email_key == sa.bindparam("key"))
    .where(invites.c.status == PENDING, invites.c.expires_at > _NOW)
)
_MEMBER_WITH_ADDRESS = sa.select(members.c.id).where(
    members.c.org_id == sa.bindparam("org_id"),
    sa.or_(
        members.c.email_key == sa.bindparam("key"), members.c.user_name_key == sa.bindparam("key")
    ),
)


async def insert(conn: AsyncConnection, invite: Invite, *, email_key: str) -> None:
    await conn.execute(
        _INSERT,
        {
            "id": invite.id,
            "org_id": invite.org_id,
            "email": invite.email,
            "email_key": email_key,
            "role": invite.role,
            "status": invite.status,
            "expires_at": invite.expires_at,
            "member_id": invite.member_id,
            "created_at": invite.created_at,
            "updated_at": invite.updated_at,
        },
    )


async def set_expiry(
    conn: AsyncConnection, org_id: str, invite_id: str, expires_at: datetime, *, now: datetime
) -> None:
    await conn.execute(
        invites.update()
        .where(invites.c.org_id == org_id, invites.c.id == invite_id)
        .values(expires_at=expires_at, updated_at=now)
    )


async def find(
    conn: AsyncConnection, org_id: str, invite_id: str, *, now: datetime
) -> Invite | None:
    found = await conn.execute(_BY_ID, {"org_id": org_id, "invite_id": invite_id})
    row = found.mappings().first()
    return None if row is None else _to_invite(row, now=now)


async def list_invites(
    conn: AsyncConnection, org_id: str, *, status: str | None, now: datetime
) -> list[Invite]:
    """Oldest first, of one status (as read at `now`) or all."""
    query = sa.select(invites).where(invites.c.org_id == org_id)
    if status == PENDING:
        query = query.where(invites.c.status == status, invites.c.expires_at > now)
    elif status == EXPIRED:
        query = query.where(
            sa.or_(
                invites.c.status == status,
                sa.and_(invites.c.status == PENDING, invites.c.expires_at <= now),
            )
        )
    elif status is not None:
        query = query.where(invites.c.status == status)
    rows = (await conn.execute(query.order_by(invites.c.created_at, invites.c.id))).mappings()
    return [_to_invite(row, now=now) for row in rows.all()]


async def find_pending_for_address(
    conn: AsyncConnection, org_id: str, email_key: str, *, now: datetime
) -> Invite | None:
    """An unexpired pending invite to the (case-folded) address."""
    parameters = {"org_id": org_id, "key": email_key, "now": now}
    row = (await conn.execute(_PENDING_FOR_ADDRESS, parameters)).mappings().first()
    return None if row is None else _to_invite(row, now=now)


async def find_member_with_address(
    conn: AsyncConnection, org_id: str, email_key: str
) -> str | None:
    """The id of a member whose email or userName folds to the address."""
    parameters = {"org_id": org_id, "key": email_key}
    return (await conn.execute(_MEMBER_WITH_ADDRESS, parameters)).scalar()


def _to_invite(row: Mapping[str, Any], *, now: datetime) -> Invite:
    status = row["status"]
    if status == PENDING and row["expires_at"] <= now:
        status = EXPIRED
    return Invite(
        id=row["id"],
        org_id=row["org_id"],
        email=row["email"],
        role=row["role"],
        status=status,
        expires_at=row["expires_at"],
        member_id=row["member_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
