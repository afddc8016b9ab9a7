"""The operator's admin token: SEATGATE_ADMIN_TOKEN, or one generated once for a new database.

While SEATGATE_ADMIN_TOKEN is set it is the only admin token accepted: a token generated
earlier stays stored (hashed) but is refused until the variable is unset again. `seatgate serve`
says at start which of the two is in effect (`settle_admin_token`).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from auth.secrets import digest, new_secret, same_secret
from auth.storage import admin_token_store
from seats.clock import new_id, utcnow

TOKEN_PREFIX = "sgadmin"


@dataclass(frozen=True)
class AdminTokenInEffect:
    """Which admin token the gateway accepts: the configured one (`from_environment`), or the
    generated one; `generated` holds a token made just now (to be printed once), and
    `stored_since` when the stored one was first generated."""

    from_environment: bool
    generated: str | None = None
    stored_since: datetime | None = None


async def settle_admin_token(conn: AsyncConnection, configured: str | None) -> AdminTokenInEffect:
    """Generate an admin token when none is configured and none was ever made; say which one
    is in effect. Only the digest of a generated token is kept."""
    stored_since = await admin_token_store.first_created_at(conn)
    if configured:
        return AdminTokenInEffect(from_environment=True, stored_since=stored_since)
    if stored_since is not None:
        return AdminTokenInEffect(from_environment=False, stored_since=stored_since)
    token = new_secret(TOKEN_PREFIX)
    created_at = utcnow()
    await admin_token_store.insert(
        conn, token_id=new_id(), token_hash=digest(token), created_at=created_at
    )
    return AdminTokenInEffect(from_environment=False, generated=token, stored_since=created_at)


async def is_admin_token(conn: AsyncConnection, presented: str, configured: str | None) -> bool:
    if configured:
        return same_secret(presented, digest(configured))
    return await admin_token_store.hash_exists(conn, digest(presented))
