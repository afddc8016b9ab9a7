"""SQL of organizations: insert, read, update an org row, read its webhook secret, and the
statement that takes the per-org lock the seat rules rely on (`OrgLock`).

Callers (seats/orgs.py, seats/alerts.py, seats/capacity.py) pass and get domain values; writes
happen in the caller's transaction and are never committed here.
"""

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.errors import NotFound
from seats.model import Org, SeatPolicy, WebhookSigning
from seats.storage.database import lock_waited
from seats.storage.direct_statements import DirectStatement
from seats.storage.tables import orgs

# Built once: a statement object caches its compiled form, so the hottest reads skip both
# construction and cache-key generation (about 0.1 ms a statement).
_BY_ID = sa.select(orgs).where(orgs.c.id == sa.bindparam("org_id"))
_INSERT = orgs.insert()


class OrgLock:
    """The statement that reads an org and takes its row lock, plus any further columns the
    caller reads in the same round trip (labelled scalar subqueries over other tables)."""

    def __init__(self, *columns: sa.ColumnElement[Any]) -> None:
        select = sa.select(orgs, *columns).where(orgs.c.id == sa.bindparam("org_id"))
        self._for_update = select.with_for_update(of=orgs)
        # Every seat-moving change on SQLite runs it: by sqlite3 directly, about 0.1 ms less
        # than SQLAlchemy's execution path (seats/storage/direct_statements.py). PostgreSQL's
        # goes through SQLAlchemy, which sends the transaction's BEGIN with it.
        self._sqlite = DirectStatement(select)

    async def take(
        self, conn: AsyncConnection, parameters: Mapping[str, Any]
    ) -> tuple[Org, Mapping[str, Any]]:
        """Lock the org until the transaction ends: the org, and the row with the columns.

        Every change that can move the seat count takes this lock first, so that two
        concurrent requests for one org decide one after the other and can never both take
        the last seat. On SQLite the write transaction already holds the database's single
        write lock.
        """
        if conn.dialect.name == "postgresql":
            asked = time.perf_counter()
            row = (await conn.execute(self._for_update, parameters)).mappings().first()
            # The statement's own round trip is in it too (a fraction of a millisecond).
            lock_waited(conn, asked)
        else:
            row = self._sqlite.first(conn, parameters)
        if row is None:
            raise NotFound(f"organization {parameters['org_id']} does not exist")
        return _to_org(row), row


async def insert(conn: AsyncConnection, org: Org, *, webhook_secret: str | None) -> None:
    await conn.execute(
        _INSERT,
        {
            "id": org.id,
            "name": org.name,
            "seat_limit": org.seat_limit,
            "seat_policy": org.seat_policy.value,
            "max_seats": org.max_seats,
            "exempt_user_types": list(org.exempt_user_types),
            "admin_emails": list(org.admin_emails),
            "webhook_url": org.webhook_url,
            "webhook_secret": webhook_secret,
            "webhook_signing": org.webhook_signing.value,
            "invite_expiry_days": org.invite_expiry_days,
            "deprovision_guard_share": org.deprovision_guard_share,
            "deprovision_guard_count": org.deprovision_guard_count,
            "deprovision_guard_window_seconds": org.deprovision_guard_window_seconds,
            "created_at": org.created_at,
            "updated_at": org.updated_at,
        },
    )


async def find(conn: AsyncConnection, org_id: str) -> Org | None:
    row = (await conn.execute(_BY_ID, {"org_id": org_id})).mappings().first()
    return None if row is None else _to_org(row)


async def find_with_webhook_secret(
    conn: AsyncConnection, org_id: str
) -> tuple[Org, str | None] | None:
    """The org and the secret its alert webhooks are signed with (kept out of `Org`, so that
    no answer or log line built from an org can carry it)."""
    row = (await conn.execute(_BY_ID, {"org_id": org_id})).mappings().first()
    return None if row is None else (_to_org(row), row["webhook_secret"])


async def update(
    conn: AsyncConnection, org_id: str, changes: Mapping[str, Any], *, now: datetime
) -> bool:
    """Write settings by column name; False when the org does not exist."""
    result = await conn.execute(
        orgs.update().where(orgs.c.id == org_id).values(**changes, updated_at=now)
    )
    return result.rowcount > 0


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
        deprovision_guard_share=row.get("deprovision_guard_share"),
        deprovision_guard_count=row.get("deprovision_guard_count"),
        deprovision_guard_window_seconds=row.get("deprovision_guard_window_seconds"),
        webhook_signing=WebhookSigning(row["webhook_signing"]),
    )


async def ids_listing_admin(conn: AsyncConnection, email: str) -> list[str]:
    """The orgs whose admin list holds `email` (compared lower-cased), oldest first."""
    if conn.dialect.name == "postgresql":
        addresses = sa.func.jsonb_array_elements_text(orgs.c.admin_emails).table_valued("value")
    else:
        addresses = sa.func.json_each(orgs.c.admin_emails).table_valued("value")
    listed = (
        sa.select(sa.literal(1))
        .select_from(addresses)
        .where(sa.func.lower(addresses.c.value) == email.lower())
        .exists()
    )
    rows = await conn.execute(sa.select(orgs.c.id).where(listed).order_by(orgs.c.created_at))
    return [row.id for row in rows]


async def page(
    conn: AsyncConnection,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    name_contains: str | None,
) -> list[Org]:
    """Orgs in (created_at, id) order after `after`; `name_contains` matches case-insensitively."""
    query = sa.select(orgs)
    if after is not None:
        query = query.where(sa.tuple_(orgs.c.created_at, orgs.c.id) > sa.tuple_(*after))
    if name_contains:
        query = query.where(orgs.c.name.icontains(name_contains, autoescape=True))
    rows = await conn.execute(query.order_by(orgs.c.created_at, orgs.c.id).limit(limit))
    return [_to_org(row) for row in rows.mappings()]
