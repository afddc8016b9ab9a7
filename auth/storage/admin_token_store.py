"""SQL of generated admin tokens: when the first was made, insert one, find one by digest."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.storage.tables import admin_tokens

# Built once: every admin request without a configured token looks its digest up.
_ID_BY_HASH = sa.select(admin_tokens.c.id).where(
    admin_tokens.c.token_hash == sa.bindparam("token_hash")
)


async def first_created_at(conn: AsyncConnection) -> datetime | None:
    """When the first admin token was generated, or None if none ever was."""
    return (await conn.execute(sa.select(sa.func.min(admin_tokens.c.created_at)))).scalar()


async def insert(
    conn: AsyncConnection, *, token_id: str, token_hash: str, created_at: datetime
) -> None:
    await conn.execute(
        admin_tokens.insert().values(id=token_id, token_hash=token_hash, created_at=created_at)
    )


async def hash_exists(conn: AsyncConnection, token_hash: str) -> bool:
    row = (await conn.execute(_ID_BY_HASH, {"token_hash": token_hash})).first()
    return row is not None
