"""SQL of product clients: insert, read one by id (with its secret's digest, to authenticate),
list an org's or every client, revoke.

Writes happen in the caller's transaction and are never committed here.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import ProductClient
from auth.storage.tables import product_clients

# Built once: every token request authenticates its client by id.
_BY_ID = sa.select(product_clients).where(product_clients.c.id == sa.bindparam("client_id"))
_INSERT = product_clients.insert()


async def insert(conn: AsyncConnection, client: ProductClient, *, secret_hash: str) -> None:
    await conn.execute(
        _INSERT,
        {
            "id": client.id,
            "org_id": client.org_id,
            "name": client.name,
            "secret_hash": secret_hash,
            "created_at": client.created_at,
        },
    )


async def find_with_secret_hash(
    conn: AsyncConnection, client_id: str
) -> tuple[ProductClient, str] | None:
    """The client `client_id` names and the digest of its secret, or None."""
    row = (await conn.execute(_BY_ID, {"client_id": client_id})).mappings().first()
    return None if row is None else (_to_client(row), row["secret_hash"])


async def find(conn: AsyncConnection, client_id: str) -> ProductClient | None:
    row = (await conn.execute(_BY_ID, {"client_id": client_id})).mappings().first()
    return None if row is None else _to_client(row)


async def list_clients(conn: AsyncConnection, *, org_id: str | None) -> list[ProductClient]:
    """The clients of `org_id`, or every client there is for None, oldest first."""
    query = sa.select(product_clients).order_by(product_clients.c.created_at, product_clients.c.id)
    if org_id is not None:
        query = query.where(product_clients.c.org_id == org_id)
    return [_to_client(row) for row in (await conn.execute(query)).mappings()]


async def revoke(
    conn: AsyncConnection, client_id: str, *, org_id: str | None, at: datetime
) -> bool:
    """Mark a live client revoked (only within `org_id` when given); False if none was."""
    condition = sa.and_(product_clients.c.id == client_id, product_clients.c.revoked_at.is_(None))
    if org_id is not None:
        condition = sa.and_(condition, product_clients.c.org_id == org_id)
    result = await conn.execute(product_clients.update().where(condition).values(revoked_at=at))
    return result.rowcount > 0


def _to_client(row: Mapping[str, Any]) -> ProductClient:
    return ProductClient(
        id=row["id"],
        org_id=row["org_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
