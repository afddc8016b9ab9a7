"""Product clients: the credentials a product uses to ask for (and introspect) member tokens.

A client belongs to one organization, or to none (a global client, for a product that serves
every organization). The secret is shown once at creation; only its SHA-256 digest is kept.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.secrets import digest, new_secret, same_secret
from auth.storage.tables import product_clients
from seats.clock import new_id, utcnow
from seats.errors import NotFound
from seats.orgs import get_org

SECRET_PREFIX = "sgclient"
# Compared against when the client id is unknown: no secret has this digest.
_NO_SECRET = "0" * 64


@dataclass(frozen=True)
class ProductClient:
    id: str
    org_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None

    def may_act_for(self, org_id: str) -> bool:
        return self.org_id is None or self.org_id == org_id


@dataclass(frozen=True)
class IssuedClient:
    client: ProductClient
    secret: str


async def create_client(
    conn: AsyncConnection, *, org_id: str | None, name: str = ""
) -> IssuedClient:
    """Make a client for `org_id` (None: global). The secret is returned here once, never again."""
    if org_id is not None:
        await _check_org(conn, org_id)
    secret = new_secret(SECRET_PREFIX)
    client = ProductClient(
        id=new_id(), org_id=org_id, name=name, created_at=utcnow(), revoked_at=None
    )
    await conn.execute(
        product_clients.insert().values(
            id=client.id,
            org_id=org_id,
            name=name,
            secret_hash=digest(secret),
            created_at=client.created_at,
        )
    )
    return IssuedClient(client=client, secret=secret)


async def authenticate(conn: AsyncConnection, client_id: str, secret: str) -> ProductClient | None:
    """The live client these credentials name, or None (unknown id, wrong secret, revoked)."""
    if not _valid_id(client_id):
        return None
    row = (
        (await conn.execute(sa.select(product_clients).where(product_clients.c.id == client_id)))
        .mappings()
        .first()
    )
    # Compare even for an unknown id so that the answer takes about as long either way.
    expected = row["secret_hash"] if row is not None else _NO_SECRET
    if not same_secret(secret, expected) or row is None or row["revoked_at"] is not None:
        return None
    return _to_client(row)


async def get_client(conn: AsyncConnection, client_id: str) -> ProductClient | None:
    if not _valid_id(client_id):
        return None
    row = (
        (await conn.execute(sa.select(product_clients).where(product_clients.c.id == client_id)))
        .mappings()
        .first()
    )
    return None if row is None else _to_client(row)


async def list_clients(
    conn: AsyncConnection, *, org_id: str | None = None, every_org: bool = False
) -> list[ProductClient]:
    """An org's clients (NotFound for an unknown org); with `every_org`, every client there is."""
    if not every_org:
        await _check_org(conn, org_id or "")
    query = sa.select(product_clients).order_by(product_clients.c.created_at, product_clients.c.id)
    if not every_org:
        query = query.where(product_clients.c.org_id == org_id)
    return [_to_client(row) for row in (await conn.execute(query)).mappings()]


async def revoke_client(
    conn: AsyncConnection, client_id: str, *, org_id: str | None = None
) -> None:
    """Revoke a client (scoped to `org_id` when given); its tokens introspect as inactive."""
    if not _valid_id(client_id) or (org_id is not None and not _valid_id(org_id)):
        raise NotFound(f"product client {client_id!r} does not exist")
    condition = sa.and_(product_clients.c.id == client_id, product_clients.c.revoked_at.is_(None))
    if org_id is not None:
        condition = sa.and_(condition, product_clients.c.org_id == org_id)
    result = await conn.execute(
        product_clients.update().where(condition).values(revoked_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFound(f"product client {client_id} does not exist or is already revoked")


async def _check_org(conn: AsyncConnection, org_id: str) -> None:
    if not _valid_id(org_id):
        raise NotFound(f"organization {org_id!r} does not exist")
    await get_org(conn, org_id)


def _valid_id(value: str) -> bool:
    # Ids are UUIDs; anything long or holding NUL (which PostgreSQL text refuses) names nothing.
    return 0 < len(value) <= 64 and "\x00" not in value


def _to_client(row: sa.RowMapping) -> ProductClient:
    return ProductClient(
        id=row["id"],
        org_id=row["org_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
