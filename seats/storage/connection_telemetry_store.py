"""The tables and SQL of SCIM connection telemetry (seats/connection_telemetry.py): one totals
row per SCIM token, and one row per counter (errors by status class and by scimType, quirk
normalizations). Flushes add to them with upserts, so concurrent flushes of several gateway
processes both count.

Writes happen in the caller's transaction and are never committed here.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import UTCDateTime, metadata

SIGNAL_LENGTH = 200
NAME_LENGTH = 64

connection_totals = sa.Table(
    "scim_connection_totals",
    metadata,
    sa.Column(
        "token_id",
        sa.String(36),
        sa.ForeignKey("scim_tokens.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("requests", sa.BigInteger, nullable=False),
    sa.Column("last_request_at", UTCDateTime(), nullable=False),
    sa.Column("idp_profile", sa.String(16), nullable=False),
    sa.Column("profile_signal", sa.String(SIGNAL_LENGTH), nullable=False),
    sa.Column("profile_strength", sa.SmallInteger, nullable=False),
    sa.Index("ix_scim_connection_totals_org_id", "org_id"),
)

connection_counts = sa.Table(
    "scim_connection_counts",
    metadata,
    sa.Column(
        "token_id",
        sa.String(36),
        sa.ForeignKey("scim_tokens.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)


@dataclass(frozen=True)
class TotalsRow:
    token_id: str
    org_id: str
    requests: int
    last_request_at: datetime
    idp_profile: str
    profile_signal: str
    profile_strength: int


@dataclass(frozen=True)
class CountRow:
    token_id: str
    kind: str
    name: str
    count: int


def _insert(conn: AsyncConnection, table: sa.Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def add_totals(conn: AsyncConnection, rows: Sequence[TotalsRow]) -> None:
    """Add the request counts; the last request is the later one; the profile is replaced
    unless the stored one was decided by a stronger signal."""
    table = connection_totals
    insert = _insert(conn, table)
    new = insert.excluded
    replaces_profile = new.profile_strength >= table.c.profile_strength
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.token_id],
        set_={
            "requests": table.c.requests + new.requests,
            "last_request_at": sa.case(
                (new.last_request_at > table.c.last_request_at, new.last_request_at),
                else_=table.c.last_request_at,
            ),
            "idp_profile": sa.case((replaces_profile, new.idp_profile), else_=table.c.idp_profile),
            "profile_signal": sa.case(
                (replaces_profile, new.profile_signal), else_=table.c.profile_signal
            ),
            "profile_strength": sa.case(
                (replaces_profile, new.profile_strength), else_=table.c.profile_strength
            ),
        },
    )
    await conn.execute(statement, [asdict(row) for row in rows])


async def add_counts(conn: AsyncConnection, rows: Sequence[CountRow]) -> None:
    if not rows:
        return
    table = connection_counts
    insert = _insert(conn, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.token_id, table.c.kind, table.c.name],
        set_={"count": table.c.count + insert.excluded.count},
    )
    await conn.execute(statement, [asdict(row) for row in rows])


async def totals_of(
    conn: AsyncConnection, org_id: str, token_ids: Sequence[str]
) -> dict[str, TotalsRow]:
    if not token_ids:
        return {}
    table = connection_totals
    query = sa.select(table).where(table.c.org_id == org_id, table.c.token_id.in_(token_ids))
    return {row["token_id"]: TotalsRow(**row) for row in (await conn.execute(query)).mappings()}


async def counts_of(
    conn: AsyncConnection, token_ids: Sequence[str]
) -> dict[str, list[tuple[str, str, int]]]:
    if not token_ids:
        return {}
    table = connection_counts
    query = (
        sa.select(table)
        .where(table.c.token_id.in_(token_ids))
        .order_by(table.c.token_id, table.c.kind, table.c.name)
    )
    found: dict[str, list[tuple[str, str, int]]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.token_id, []).append((row.kind, row.name, row.count))
    return found
