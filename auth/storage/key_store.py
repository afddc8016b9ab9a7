"""SQL of signing keys: the lock that serializes key creation and rotation, the published keys,
insert, retire, drop the keys past their publication end, and rewrite the stored private halves.

The private half is stored sealed by auth/key_encryption.py (a Fernet token, or PEM when no
encryption key is configured; see docs/tokens.md): these functions seal on the way in and
unseal on the way out. Writes happen in the caller's transaction and are never committed here.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from auth import jws
from auth.key_encryption import KeyEncryption
from auth.model import SigningKey
from auth.storage.tables import signing_keys

# Any number: it only has to be the same in every process that creates or rotates keys.
_KEYS_ADVISORY_LOCK = 0x5EA76A7E


async def lock(conn: AsyncConnection) -> None:
    """Hold the keys' lock until the transaction ends."""
    # Two gateway processes meeting an empty table at once would each create a "first" key;
    # harmless, but the advisory lock keeps the table tidy. SQLite's writer lock does the same.
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_KEYS_ADVISORY_LOCK)))


async def published(
    conn: AsyncConnection, now: datetime, encryption: KeyEncryption
) -> list[SigningKey]:
    """Every key not past `expires_at` at `now`, oldest first."""
    rows = (
        await conn.execute(
            sa.select(signing_keys)
            .where(sa.or_(signing_keys.c.expires_at.is_(None), signing_keys.c.expires_at > now))
            .order_by(signing_keys.c.created_at, signing_keys.c.kid)
        )
    ).mappings()
    return [_to_key(row, encryption) for row in rows]


async def insert(conn: AsyncConnection, key: SigningKey, encryption: KeyEncryption) -> None:
    await conn.execute(
        signing_keys.insert().values(
            kid=key.kid,
            algorithm=jws.ALGORITHM,
            private_pem=encryption.seal(jws.private_key_to_pem(key.private_key)),
            public_jwk=key.public_jwk,
            created_at=key.created_at,
        )
    )


async def retire(
    conn: AsyncConnection, kids: list[str], *, retired_at: datetime, expires_at: datetime
) -> None:
    """Stop the keys `kids` signing at `retired_at`; publish them until `expires_at`."""
    await conn.execute(
        signing_keys.update()
        .where(signing_keys.c.kid.in_(kids))
        .values(retired_at=retired_at, expires_at=expires_at)
    )


async def delete_expired(conn: AsyncConnection, now: datetime) -> None:
    await conn.execute(signing_keys.delete().where(signing_keys.c.expires_at <= now))


async def stored_private_halves(conn: AsyncConnection) -> dict[str, str]:
    """Every stored key's private half as stored (sealed or PEM), by kid."""
    rows = await conn.execute(sa.select(signing_keys.c.kid, signing_keys.c.private_pem))
    return {kid: stored for kid, stored in rows}


async def replace_private_half(conn: AsyncConnection, kid: str, stored: str) -> None:
    await conn.execute(
        signing_keys.update().where(signing_keys.c.kid == kid).values(private_pem=stored)
    )


def _to_key(row: Mapping[str, Any], encryption: KeyEncryption) -> SigningKey:
    pem = encryption.unseal(row["private_pem"], row["kid"])
    return SigningKey(
        kid=row["kid"],
        private_key=jws.private_key_from_pem(pem),
        public_jwk=dict(row["public_jwk"]),
        created_at=row["created_at"],
        retired_at=row["retired_at"],
        expires_at=row["expires_at"],
    )
