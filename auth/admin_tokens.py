"""The operator's admin token: from SEATGATE_ADMIN_TOKEN, or generated once for a new database."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.secrets import digest, new_secret, same_secret
from auth.storage.tables import admin_tokens
from seats.clock import new_id, utcnow

TOKEN_PREFIX = "sgadmin"


async def generate_if_needed(conn: AsyncConnection, configured: str | None) -> str | None:
    """Return a newly generated admin token when none is configured and none was ever made.

    The caller prints it once; only its digest is kept.
    """
    if configured:
        return None
    existing = (await conn.execute(sa.select(sa.func.count()).select_from(admin_tokens))).scalar()
    if existing:
        return None
    token = new_secret(TOKEN_PREFIX)
    await conn.execute(
        admin_tokens.insert().values(id=new_id(), token_hash=digest(token), created_at=utcnow())
    )
    return token


async def is_admin_token(conn: AsyncConnection, presented: str, configured: str | None) -> bool:
    if configured:
        return same_secret(presented, digest(configured))
    row = (
        await conn.execute(
            sa.select(admin_tokens.c.id).where(admin_tokens.c.token_hash == digest(presented))
        )
    ).first()
    return row is not None
