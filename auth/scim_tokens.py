"""SCIM bearer tokens: one per IdP connection, each naming exactly one organization; the cache
that spares known tokens a database round trip, and the throttling of unknown ones."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.model import LiveToken, TokenInfo
from auth.rate_limit import FailureLimiter, Limit, TooManyFailures, address_key
from auth.secrets import digest, new_secret
from auth.storage import scim_token_store
from seats.clock import new_id, utcnow
from seats.errors import NotFound
from seats.orgs import get_org

TOKEN_PREFIX = "sgscim"
Found = TypeVar("Found")


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str
    name: str
    created_at: datetime


async def issue_scim_token(conn: AsyncConnection, org_id: str, *, name: str = "") -> IssuedToken:
    """Make a token for `org_id`. The plain token is returned here once and never again."""
    await get_org(conn, org_id)
    token = new_secret(TOKEN_PREFIX)
    issued = IssuedToken(id=new_id(), token=token, name=name, created_at=utcnow())
    await scim_token_store.insert(
        conn,
        token_id=issued.id,
        org_id=org_id,
        name=name,
        token_hash=digest(token),
        created_at=issued.created_at,
    )
    return issued


async def live_scim_token(conn: AsyncConnection, token: str) -> LiveToken | None:
    """A live token's id and organization, or None for an unknown or revoked token."""
    return await scim_token_store.live_token_of_hash(conn, digest(token))


async def list_scim_tokens(conn: AsyncConnection, org_id: str) -> list[TokenInfo]:
    return await scim_token_store.list_for_org(conn, org_id)


async def revoke_scim_token(conn: AsyncConnection, org_id: str, token_id: str) -> None:
    if not await scim_token_store.revoke(conn, org_id, token_id, at=utcnow()):
        raise NotFound(f"SCIM token {token_id} does not exist or is already revoked")


# Failure keys: the remote address, and one unknown token (by digest) at one remote address.
ADDRESS = "address"
TOKEN_AT_ADDRESS = "token_at_address"


def scim_failure_limiter(*, clock: Callable[[], float] = time.monotonic) -> FailureLimiter:
    """Backoff for unknown SCIM tokens: an IdP left configured with a revoked token repeats it
    (backing off after 5 failures, without spending much of its address's count: IdPs such as
    Okta and Entra provision many tenants from shared addresses), a guesser sends new ones
    (backing off after 30 from one address). Waits double from 5 s up to 5 minutes; failures
    stop counting after 15 minutes."""

    def limit(failures: int) -> Limit:
        return Limit(failures, 900.0, first_backoff_seconds=5.0, max_backoff_seconds=300.0)

    return FailureLimiter({TOKEN_AT_ADDRESS: limit(5), ADDRESS: limit(30)}, clock=clock)


class ScimTokenCache(Generic[Found]):
    """What recently seen SCIM tokens name (their LiveToken), so that a request does not cost
    a database round trip to authenticate, and the backoff of addresses that sent unknown ones.

    An entry lives `ttl_seconds`. A revocation made through this process clears the cache at
    once; another gateway process sharing the database honours it within `ttl_seconds`.
    Only tokens that were found are kept, by digest, never in the clear; past `max_entries`
    the least recently used one makes room.
    """

    def __init__(
        self,
        ttl_seconds: float = 30.0,
        max_entries: int = 10_000,
        failures: FailureLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: TTLCache[str, Found] = TTLCache(
            maxsize=max_entries, ttl=ttl_seconds, timer=clock
        )
        self.failures = failures if failures is not None else scim_failure_limiter()

    async def org_for(
        self, token: str, lookup: Callable[[], Awaitable[Found | None]], *, remote: str | None
    ) -> Found | None:
        """What `lookup` found for the token, or None for an unknown or revoked token.

        Raises TooManyFailures, before any database lookup, while the remote address (or this
        token at it) is backing off after unknown tokens. A cached token is answered even then:
        it is known good and costs no lookup, so an IdP's valid tokens keep working from an
        address another tenant's stale token shares.
        """
        key = digest(token)
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        address = address_key(remote)
        failure_keys = {ADDRESS: address, TOKEN_AT_ADDRESS: f"{address} {key}"}
        retry_after = self.failures.retry_after(failure_keys)
        if retry_after is not None:
            raise TooManyFailures(retry_after)
        found = await lookup()
        if found is None:
            self._entries.pop(key, None)
            self.failures.record_failure(failure_keys)
            return None
        self._entries[key] = found
        return found

    def clear(self) -> None:
        self._entries.clear()
