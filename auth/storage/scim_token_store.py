"""SQL of SCIM bearer tokens: insert, the id and organization of a live token's digest, an org's
tokens, revoke, and when a token was last used.

Writes happen in the caller's transaction and are never committed here.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import LiveToken, TokenInfo
from auth.storage.tables import scim_tokens

# Built once: a SCIM request whose token is not cached resolves it with this statement.
_LIVE_HASH = sa.select(scim_tokens.c.id, scim_tokens.c.org_id).where(
    scim_tokens.c.token_hash == sa.bindparam("token_hash"), scim_tokens.c.revoked_at.is_(None)
)


async def insert(
    conn: AsyncConnection,
    *,
    token_id: str,
    org_id: str,
    name: str,
    token_hash: str,
    created_at: datetime,
) -> None:
    await conn.execute(
        scim_tokens.insert().values(
            id=token_id, org_id=org_id, name=name, token_hash=token_hash, created_at=created_at
        )
    )


async def live_token_of_hash(conn: AsyncConnection, token_hash: str) -> LiveToken | None:
    """The id and org of the unrevoked token with this digest, or None."""
    row = (await conn.execute(_LIVE_HASH, {"token_hash": token_hash})).first()
    return None if row is None else LiveToken(row.id, row.org_id)


async def list_for_org(conn: AsyncConnection, org_id: str) -> list[TokenInfo]:
    """An org's tokens, revoked ones included, oldest first."""
    rows = (
        await conn.execute(
            sa.select(scim_tokens)
            .where(scim_tokens.c.org_id == org_id)
            .order_by(scim_tokens.c.created_at)
        )
    ).mappings()
    return [
        TokenInfo(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
            last_used_at=row["last_used_at"],
        )
        for row in rows
    ]


async def revoke(conn: AsyncConnection, org_id: str, token_id: str, *, at: datetime) -> bool:
    """Mark an org's live token revoked; False if it has no such live token."""
    result = await conn.execute(
        scim_tokens.update()
        .where(
            scim_tokens.c.id == token_id,
            scim_tokens.c.org_id == org_id,
            scim_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return result.rowcount > 0


async def mark_used(conn: AsyncConnection, token_hash: str, *, at: datetime) -> None:
    """Set a live token's last use to `at`, unless another process already set a later one."""
    await conn.execute(
        scim_tokens.update()
        .where(
            scim_tokens.c.token_hash == token_hash,
            scim_tokens.c.revoked_at.is_(None),
            sa.or_(scim_tokens.c.last_used_at.is_(None), scim_tokens.c.last_used_at < at),
        )
        .values(last_used_at=at)
    )
