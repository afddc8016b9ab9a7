"""The operator's admin token: from SEATGATE_ADMIN_TOKEN, or generated once for a new database."""

from sqlalchemy.ext.asyncio import AsyncConnection

from auth.secrets import digest, new_secret, same_secret
from auth.storage import admin_token_store
from seats.clock import new_id, utcnow

TOKEN_PREFIX = "sgadmin"


async def generate_if_needed(conn: AsyncConnection, configured: str | None) -> str | None:
    """Return a newly generated admin token when none is configured and none was ever made.

    The caller prints it once; only its digest is kept.
    """
    if configured:
        return None
    if await admin_token_store.any_exists(conn):
        return None
    token = new_secret(TOKEN_PREFIX)
    await admin_token_store.insert(
        conn, token_id=new_id(), token_hash=digest(token), created_at=utcnow()
    )
    return token


async def is_admin_token(conn: AsyncConnection, presented: str, configured: str | None) -> bool:
    if configured:
        return same_secret(presented, digest(configured))
    return await admin_token_store.hash_exists(conn, digest(presented))
