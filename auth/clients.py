"""Product clients: the credentials a product uses to ask for (and introspect) member tokens.

A client belongs to one organization, or to none (a global client, for a product that serves
every organization). The secret is shown once at creation; only its SHA-256 digest is kept.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import ProductClient
from auth.secrets import digest, new_secret, same_secret
from auth.storage import client_store
from seats.clock import new_id, utcnow
from seats.errors import NotFound
from seats.orgs import get_org

SECRET_PREFIX = "sgclient"
# Compared against when the client id is unknown: no secret has this digest.
_NO_SECRET = "0" * 64


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
    await client_store.insert(conn, client, secret_hash=digest(secret))
    return IssuedClient(client=client, secret=secret)


async def authenticate(conn: AsyncConnection, client_id: str, secret: str) -> ProductClient | None:
    """The live client these credentials name, or None (unknown id, wrong secret, revoked)."""
    if not _valid_id(client_id):
        return None
    found = await client_store.find_with_secret_hash(conn, client_id)
    client, expected = found if found is not None else (None, _NO_SECRET)
    # Compare even for an unknown id so that the answer takes about as long either way.
    if not same_secret(secret, expected) or client is None or client.revoked_at is not None:
        return None
    return client


async def get_client(conn: AsyncConnection, client_id: str) -> ProductClient | None:
    if not _valid_id(client_id):
        return None
    return await client_store.find(conn, client_id)


async def list_clients(
    conn: AsyncConnection, *, org_id: str | None = None, every_org: bool = False
) -> list[ProductClient]:
    """An org's clients (NotFound for an unknown org); with `every_org`, every client there is."""
    if not every_org:
        await _check_org(conn, org_id or "")
    return await client_store.list_clients(conn, org_id=None if every_org else org_id)


async def revoke_client(
    conn: AsyncConnection, client_id: str, *, org_id: str | None = None
) -> None:
    """Revoke a client (scoped to `org_id` when given); its tokens introspect as inactive."""
    if not _valid_id(client_id) or (org_id is not None and not _valid_id(org_id)):
        raise NotFound(f"product client {client_id!r} does not exist")
    if not await client_store.revoke(conn, client_id, org_id=org_id, at=utcnow()):
        raise NotFound(f"product client {client_id} does not exist or is already revoked")


async def _check_org(conn: AsyncConnection, org_id: str) -> None:
    if not _valid_id(org_id):
        raise NotFound(f"organization {org_id!r} does not exist")
    await get_org(conn, org_id)


def _valid_id(value: str) -> bool:
    # Ids are UUIDs; anything long or holding NUL (which PostgreSQL text refuses) names nothing.
    return 0 < len(value) <= 64 and "\x00" not in value
