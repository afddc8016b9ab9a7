"""SQL of console sign-in links and console sessions: insert, redeem a link once, find a live
session by its digest and keep it alive, end it.

Writes happen in the caller's transaction and are never committed here.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import ConsoleSession
from auth.storage.tables import console_links, console_sessions


async def insert_link(
    conn: AsyncConnection,
    *,
    link_id: str,
    org_id: str,
    email: str,
    role: str,
    kind: str,
    token_hash: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        console_links.insert().values(
            id=link_id,
            org_id=org_id,
            email=email,
            role=role,
            kind=kind,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def redeem_link(
    conn: AsyncConnection, token_hash: str, *, at: datetime
) -> tuple[str, str, str] | None:
    """Mark the unused, unexpired link with this digest used; its (org id, email, role), or
    None. One UPDATE, so two requests racing with the same link cannot both redeem it."""
    row = (
        await conn.execute(
            console_links.update()
            .where(
                console_links.c.token_hash == token_hash,
                console_links.c.used_at.is_(None),
                console_links.c.expires_at > at,
            )
            .values(used_at=at)
            .returning(console_links.c.org_id, console_links.c.email, console_links.c.role)
        )
    ).first()
    return None if row is None else (row.org_id, row.email, row.role)


async def insert_session(
    conn: AsyncConnection,
    *,
    session_id: str,
    token_hash: str,
    org_id: str,
    email: str,
    role: str,
    at: datetime,
) -> None:
    await conn.execute(
        console_sessions.insert().values(
            id=session_id,
            token_hash=token_hash,
            org_id=org_id,
            email=email,
            role=role,
            created_at=at,
            last_seen_at=at,
        )
    )


async def touch_live_session(
    conn: AsyncConnection,
    token_hash: str,
    *,
    at: datetime,
    seen_after: datetime,
    created_after: datetime,
) -> ConsoleSession | None:
    """The session with this digest if it has not ended, was used after `seen_after` (idle
    timeout) and began after `created_after` (absolute timeout); its last use becomes `at`."""
    row = (
        await conn.execute(
            console_sessions.update()
            .where(
                console_sessions.c.token_hash == token_hash,
                console_sessions.c.ended_at.is_(None),
                console_sessions.c.last_seen_at > seen_after,
                console_sessions.c.created_at > created_after,
            )
            .values(last_seen_at=at)
            .returning(
                console_sessions.c.id,
                console_sessions.c.org_id,
                console_sessions.c.email,
                console_sessions.c.role,
                console_sessions.c.created_at,
            )
        )
    ).first()
    if row is None:
        return None
    return ConsoleSession(
        id=row.id, org_id=row.org_id, email=row.email, role=row.role, created_at=row.created_at
    )


async def end_session(conn: AsyncConnection, token_hash: str, *, at: datetime) -> None:
    await conn.execute(
        console_sessions.update()
        .where(console_sessions.c.token_hash == token_hash, console_sessions.c.ended_at.is_(None))
        .values(ended_at=at)
    )
