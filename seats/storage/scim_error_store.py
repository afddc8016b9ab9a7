"""The SCIM error log's table and SQL: the error responses answered to an org's identity
provider, the newest few hundred per org (the console's "recent SCIM errors").

Writes happen in the caller's transaction and are never committed here.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.storage.tables import UTCDateTime, metadata

scim_error_log = sa.Table(
    "scim_error_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("path", sa.String(2048), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("scim_type", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("user_agent", sa.String(512), nullable=True),
    sa.Index("ix_scim_error_log_org_id_id", "org_id", "id"),
)


@dataclass(frozen=True)
class ScimErrorEntry:
    """One SCIM error response: when, to which request, what it said, and who asked."""

    at: datetime
    method: str
    path: str
    status: int
    scim_type: str | None
    detail: str
    user_agent: str | None


async def insert(conn: AsyncConnection, org_id: str, entry: ScimErrorEntry) -> None:
    await conn.execute(
        scim_error_log.insert().values(
            org_id=org_id,
            at=entry.at,
            method=entry.method,
            path=entry.path,
            status=entry.status,
            scim_type=entry.scim_type,
            detail=entry.detail,
            user_agent=entry.user_agent,
        )
    )


async def prune(conn: AsyncConnection, org_id: str, *, keep: int) -> None:
    """Delete an org's entries older than its `keep` newest."""
    oldest_kept = (
        sa.select(scim_error_log.c.id)
        .where(scim_error_log.c.org_id == org_id)
        .order_by(scim_error_log.c.id.desc())
        .offset(keep - 1)
        .limit(1)
        .scalar_subquery()
    )
    await conn.execute(
        scim_error_log.delete().where(
            scim_error_log.c.org_id == org_id, scim_error_log.c.id < oldest_kept
        )
    )


async def newest(conn: AsyncConnection, org_id: str, *, limit: int) -> list[ScimErrorEntry]:
    rows = (
        await conn.execute(
            sa.select(scim_error_log)
            .where(scim_error_log.c.org_id == org_id)
            .order_by(scim_error_log.c.id.desc())
            .limit(limit)
        )
    ).mappings()
    return [
        ScimErrorEntry(
            at=row["at"],
            method=row["method"],
            path=row["path"],
            status=row["status"],
            scim_type=row["scim_type"],
            detail=row["detail"],
            user_agent=row["user_agent"],
        )
        for row in rows
    ]
