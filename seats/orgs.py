"""Organizations: create, read, change settings, and the per-org lock the seat rules rely on."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.clock import new_id, utcnow
from seats.errors import InvalidValue, NotFound
from seats.model import DEFAULT_EXEMPT_USER_TYPES, Org, SeatPolicy
from seats.storage.tables import orgs

MAX_SEAT_LIMIT = 10_000_000

# Built once: a statement object caches its compiled form, so the hottest reads skip both
# construction and cache-key generation (about 0.1 ms a statement).
_ORG_BY_ID = sa.select(orgs).where(orgs.c.id == sa.bindparam("org_id"))


class OrgLock:
    """The statement that reads an org and takes its row lock, plus any further columns the
    caller reads in the same round trip (labelled scalar subqueries over other tables)."""

    def __init__(self, *columns: sa.ColumnElement[Any]) -> None:
        self._select = sa.select(orgs, *columns).where(orgs.c.id == sa.bindparam("org_id"))
        self._for_update = self._select.with_for_update(of=orgs)

    async def take(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> tuple[Org, sa.RowMapping]:
        """Lock the org until the transaction ends: the org, and the row with the columns.

        Every change that can move the seat count takes this lock first, so that two
        concurrent requests for one org decide one after the other and can never both take
        the last seat. On SQLite the write transaction already holds the database's single
        write lock.
        """
        query = self._for_update if conn.dialect.name == "postgresql" else self._select
        row = (await conn.execute(query, parameters)).mappings().first()
        if row is None:
            raise NotFound(f"organization {parameters['org_id']} does not exist")
        return _to_org(row), row


_LOCK = OrgLock()


async def create_org(
    conn: AsyncConnection,
    *,
    name: str,
    seat_limit: int | None = None,
    seat_policy: str = SeatPolicy.OVER_LIMIT,
    max_seats: int | None = None,
    exempt_user_types: tuple[str, ...] = DEFAULT_EXEMPT_USER_TYPES,
    admin_emails: tuple[str, ...] = (),
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    invite_expiry_days: int = 7,
) -> Org:
    now = utcnow()
    values = {
        "id": new_id(),
        "name": name,
        "seat_limit": seat_limit,
        "seat_policy": SeatPolicy(seat_policy).value,
        "max_seats": max_seats,
        "exempt_user_types": list(exempt_user_types),
        "admin_emails": list(admin_emails),
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
        "invite_expiry_days": invite_expiry_days,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(orgs.insert().values(values))
    return _to_org(values)


async def get_org(conn: AsyncConnection, org_id: str) -> Org:
    row = (await conn.execute(_ORG_BY_ID, {"org_id": org_id})).mappings().first()
    if row is None:
        raise NotFound(f"organization {org_id} does not exist")
    return _to_org(row)


async def lock_org(conn: AsyncConnection, org_id: str) -> Org:
    """Read the org and hold its row lock until the transaction ends (`OrgLock.take`)."""
    org, _ = await _LOCK.take(conn, {"org_id": org_id})
    return org


async def update_org(conn: AsyncConnection, org_id: str, changes: Mapping[str, Any]) -> Org:
    """Write already-validated settings (the seat engine validates capacity changes)."""
    if not changes:
        return await get_org(conn, org_id)
    result = await conn.execute(
        orgs.update().where(orgs.c.id == org_id).values(**changes, updated_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFound(f"organization {org_id} does not exist")
    return await get_org(conn, org_id)


def validate_seat_number(name: str, value: Any, *, allow_null: bool, minimum: int = 0) -> None:
    """Refuse values a seat count cannot be, with a sentence saying what is allowed."""
    if value is None:
        if allow_null:
            return
        raise InvalidValue(f"{name} is required: a whole number from {minimum}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(
            f"{name} must be a whole number from {minimum} to {MAX_SEAT_LIMIT}"
            + (", or null for unlimited" if allow_null else "")
            + f"; got {value!r}"
        )
    if not minimum <= value <= MAX_SEAT_LIMIT:
        raise InvalidValue(
            f"{name} must be between {minimum} and {MAX_SEAT_LIMIT}; got {value}", value=value
        )


def _to_org(row: Mapping[str, Any]) -> Org:
    return Org(
        id=row["id"],
        name=row["name"],
        seat_limit=row["seat_limit"],
        seat_policy=SeatPolicy(row["seat_policy"]),
        max_seats=row["max_seats"],
        exempt_user_types=tuple(row["exempt_user_types"]),
        admin_emails=tuple(row["admin_emails"]),
        webhook_url=row["webhook_url"],
        invite_expiry_days=row["invite_expiry_days"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        stripe_customer_id=row.get("stripe_customer_id"),
        stripe_subscription_id=row.get("stripe_subscription_id"),
    )
