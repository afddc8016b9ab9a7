"""Signing keys for product tokens: created on first need, rotated, published as a JWKS.

Keys are stored by auth/storage/key_store.py, the private half encrypted under
SEATGATE_KEY_ENCRYPTION_KEYS when it is set (auth/key_encryption.py; docs/tokens.md). A rotation
never breaks a token already issued:

* the new key is published in the JWKS at once but only signs `publish_delay` later, so products
  that cached the JWKS just before the rotation have time to see it (and the gateway processes
  that cached their key list have time to re-read it);
* the old key stops signing at that moment (`retired_at`) and stays in the JWKS until the last
  token it could have signed has expired (`expires_at` = retired_at + token lifetime + skew).
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import jws
from auth.key_encryption import KeyEncryption, is_plaintext
from auth.model import SigningKey
from auth.storage import key_store
from seats.clock import utcnow
from seats.storage.database import Database

# Clock skew allowed between the gateway and products when a retired key leaves the JWKS.
CLOCK_SKEW = timedelta(seconds=60)
DEFAULT_PUBLISH_DELAY_SECONDS = 60.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rotation:
    new_kid: str
    signs_from: datetime
    retired: list[SigningKey]


async def load_keys(
    conn: AsyncConnection, encryption: KeyEncryption, *, now: datetime | None = None
) -> list[SigningKey]:
    """Every key still published (not past `expires_at`), oldest first."""
    return await key_store.published(conn, now or utcnow(), encryption)


def choose_signing_key(
    keys: list[SigningKey], now: datetime, publish_delay: timedelta
) -> SigningKey | None:
    """The newest live key published for at least `publish_delay`, else the oldest live one.

    The fallback covers young keys: the very first one (nothing else can sign), and a young key
    rotated away before its successor was published long enough (it has been published longest).
    """
    live = [key for key in keys if key.signs_at(now)]
    published = [key for key in live if key.created_at <= now - publish_delay]
    if published:
        return max(published, key=lambda key: key.created_at)
    return min(live, key=lambda key: key.created_at) if live else None


async def ensure_signing_key(conn: AsyncConnection, encryption: KeyEncryption) -> SigningKey:
    """The key that signs now, creating the first one if there is none."""
    await key_store.lock(conn)
    now = utcnow()
    current = choose_signing_key(await load_keys(conn, encryption, now=now), now, timedelta(0))
    return current or await _insert_key(conn, now, encryption)


async def rotate(
    conn: AsyncConnection,
    encryption: KeyEncryption,
    *,
    token_lifetime_seconds: int,
    publish_delay_seconds: float = DEFAULT_PUBLISH_DELAY_SECONDS,
    now: datetime | None = None,
) -> Rotation:
    """Add a new signing key; retire the others once it starts signing, keep them published."""
    await key_store.lock(conn)
    now = now or utcnow()
    # Keys past their publication end are dead weight (and private material): drop them.
    await key_store.delete_expired(conn, now)
    signing_now = [key for key in await load_keys(conn, encryption, now=now) if key.signs_at(now)]
    # With no key signing yet, the new key has nothing to wait for.
    signs_from = now + timedelta(seconds=publish_delay_seconds) if signing_now else now
    retiring = [key for key in signing_now if key.signs_at(signs_from)]
    new_key = await _insert_key(conn, now, encryption)
    expires_at = signs_from + timedelta(seconds=token_lifetime_seconds) + CLOCK_SKEW
    if retiring:
        await key_store.retire(
            conn, [key.kid for key in retiring], retired_at=signs_from, expires_at=expires_at
        )
    retired = [
        SigningKey(k.kid, k.private_key, k.public_jwk, k.created_at, signs_from, expires_at)
        for k in retiring
    ]
    return Rotation(new_kid=new_key.kid, signs_from=signs_from, retired=retired)


async def prepare_stored_keys(conn: AsyncConnection, encryption: KeyEncryption) -> int:
    """At start-up: every stored key must open with `encryption` (KeyEncryptionError, naming
    the setting, otherwise); with encryption configured, keys still stored as plain PEM are
    encrypted now. Returns how many were encrypted."""
    await key_store.lock(conn)
    stored = await key_store.stored_private_halves(conn)
    for kid, sealed in stored.items():
        encryption.unseal(sealed, kid)
    if not encryption.enabled:
        return 0
    plaintext = [kid for kid, sealed in stored.items() if is_plaintext(sealed)]
    for kid in plaintext:
        await key_store.replace_private_half(conn, kid, encryption.seal(stored[kid]))
    if plaintext:
        log.info("encrypted %d signing key(s) stored as plain PEM", len(plaintext))
    return len(plaintext)


async def reencrypt(conn: AsyncConnection, encryption: KeyEncryption) -> list[str]:
    """Every stored key re-encrypted under the first encryption key; their kids."""
    await key_store.lock(conn)
    stored = await key_store.stored_private_halves(conn)
    resealed = {kid: encryption.reseal(sealed, kid) for kid, sealed in stored.items()}
    for kid, sealed in resealed.items():
        await key_store.replace_private_half(conn, kid, sealed)
    return sorted(resealed)


async def _insert_key(
    conn: AsyncConnection, now: datetime, encryption: KeyEncryption
) -> SigningKey:
    private_key = jws.generate_private_key()
    jwk = jws.public_jwk(private_key)
    key = SigningKey(jwk["kid"], private_key, jwk, now, None, None)
    await key_store.insert(conn, key, encryption)
    return key


class KeyRing:
    """One process's cached view of the signing keys.

    Re-read every `refresh_seconds` so a rotation made by another process (`seatgate keys
    rotate`) is seen well before the new key starts signing: keep `refresh_seconds` below the
    publish delay. A lookup for an unknown kid re-reads at most once per `refresh_floor_seconds`,
    so a flood of forged kids cannot turn into a flood of queries.
    """

    def __init__(
        self,
        database: Database,
        encryption: KeyEncryption,
        *,
        publish_delay_seconds: float = DEFAULT_PUBLISH_DELAY_SECONDS,
        refresh_seconds: float = 30.0,
        refresh_floor_seconds: float = 5.0,
    ) -> None:
        self._database = database
        self._encryption = encryption
        self._publish_delay = timedelta(seconds=publish_delay_seconds)
        self._refresh_seconds = refresh_seconds
        self._refresh_floor = refresh_floor_seconds
        self._keys: list[SigningKey] = []
        self._loaded_at: float | None = None

    def invalidate(self) -> None:
        """Forget the cached keys; the next use re-reads the table."""
        self._loaded_at = None

    async def signing_key(self) -> SigningKey:
        await self._refresh_if_stale()
        now = utcnow()
        key = choose_signing_key(self._keys, now, self._publish_delay)
        if key is None:
            async with self._database.transaction() as conn:
                await ensure_signing_key(conn, self._encryption)
            await self._reload()
            key = choose_signing_key(self._keys, utcnow(), self._publish_delay)
            assert key is not None
        return key

    async def public_key(self, kid: str) -> jws.VerificationKey | None:
        """The published key named `kid`, or None when no live key has that id."""
        await self._refresh_if_stale()
        key = self._find(kid)
        if key is None and self._age() >= self._refresh_floor:
            await self._reload()
            key = self._find(kid)
        return key.verification_key if key else None

    async def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """RFC 7517 §5 key set: every published public key, never a private member."""
        await self.signing_key()
        now = utcnow()
        return {"keys": [dict(key.public_jwk) for key in self._keys if key.published_at(now)]}

    def _find(self, kid: str) -> SigningKey | None:
        now = utcnow()
        return next((k for k in self._keys if k.kid == kid and k.published_at(now)), None)

    def _age(self) -> float:
        return float("inf") if self._loaded_at is None else time.monotonic() - self._loaded_at

    async def _refresh_if_stale(self) -> None:
        if self._age() >= self._refresh_seconds:
            await self._reload()

    async def _reload(self) -> None:
        async with self._database.read() as conn:
            self._keys = await load_keys(conn, self._encryption)
        self._loaded_at = time.monotonic()
