"""Verify seatgate product tokens inside a Python product, in a few lines.

    verifier = TokenVerifier("https://seatgate.example.com", audience="seatgate-product")
    claims = await verifier.verify(token)      # raises InvalidToken
    if claims["seat_over_limit"]:
        ...                                    # show the upgrade prompt

The gateway's public keys are fetched from `<gateway>/.well-known/jwks.json` and cached for
`cache_seconds`; a token naming an unknown `kid` triggers a re-fetch (that is how a rotated key
is learned), at most once per `min_refresh_seconds` so forged kids cannot flood the gateway.
Only ES256 is accepted (never `none`, never HMAC), and exp, nbf, iss and aud are always checked.
`org_id` (a string) and `seat_over_limit` (a boolean) are required, so `claims["org_id"]` and
`claims["seat_over_limit"]` can be read without a default; a signature in high-S form (a
malleated copy of a real token) is refused, so each token's claims have one token string.
`BlockingTokenVerifier` does the same for synchronous products (Django, Flask).
"""

import asyncio
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp

from auth import jws

MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token must be refused (answer 401). `reason`: expired, bad_audience, unknown_key..."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class KeysUnavailable(Exception):
    """The gateway's keys could not be fetched and none are cached (answer 503, not 401)."""


class _KeyCache:
    """The JWKS cache and the refresh rules shared by both verifiers."""

    def __init__(
        self,
        gateway_url: str,
        audience: str,
        *,
        issuer: str | None,
        jwks_url: str | None,
        cache_seconds: float,
        min_refresh_seconds: float,
        leeway_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        base = gateway_url.rstrip("/")
        self.issuer = (issuer or base).rstrip("/")
        self.audience = audience
        self.jwks_url = jwks_url or f"{base}/.well-known/jwks.json"
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.leeway_seconds = leeway_seconds
        self.clock = clock
        self.keys: dict[str, jws.VerificationKey] | None = None
        self.fetched_at = float("-inf")
        self.attempted_at = float("-inf")
        self.fetches = 0

    def stale(self) -> bool:
        return self.keys is None or self.clock() - self.fetched_at >= self.cache_seconds

    def may_refetch(self) -> bool:
        return self.clock() - self.attempted_at >= self.min_refresh_seconds

    def store(self, document: Any) -> None:
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            # Not a JWK set (a proxy's error page, say): keep what is cached.
            return
        # Only keys that can verify ES256 are kept; anything else in the set is ignored.
        parsed: dict[str, jws.VerificationKey] = {}
        for key in keys:
            if (
                isinstance(key, dict)
                and isinstance(key.get("kid"), str)
                and key.get("kty") == "EC"
                and key.get("crv") == "P-256"
                and key.get("alg", jws.ALGORITHM) == jws.ALGORITHM
                and key.get("use", "sig") == "sig"
            ):
                try:
                    parsed[key["kid"]] = jws.VerificationKey(key)
                except ValueError:
                    continue
        self.keys = parsed
        self.fetched_at = self.clock()
        self.fetches += 1

    def check(self, token: str, key: jws.VerificationKey) -> dict[str, Any]:
        try:
            return jws.verify(
                token,
                key,
                issuer=self.issuer,
                audience=self.audience,
                leeway_seconds=self.leeway_seconds,
            )
        except jws.TokenRejected as exc:
            raise InvalidToken(exc.reason, exc.detail) from None


def _kid(token: object) -> str:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("malformed", "the token must be a non-empty compact JWS string")
    try:
        return jws.unverified_kid(token)
    except jws.TokenRejected as exc:
        raise InvalidToken(exc.reason, exc.detail) from None


class TokenVerifier:
    """Async verifier (aiohttp). One per process; share it between requests."""

    def __init__(
        self,
        gateway_url: str,
        audience: str,
        *,
        issuer: str | None = None,
        jwks_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        cache_seconds: float = 300.0,
        min_refresh_seconds: float = 30.0,
        leeway_seconds: float = 0.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = _KeyCache(
            gateway_url,
            audience,
            issuer=issuer,
            jwks_url=jwks_url,
            cache_seconds=cache_seconds,
            min_refresh_seconds=min_refresh_seconds,
            leeway_seconds=leeway_seconds,
            clock=clock,
        )
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._lock = asyncio.Lock()

    @property
    def fetches(self) -> int:
        """How many times the JWKS was fetched (for tests and metrics)."""
        return self._cache.fetches

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it is valid now; InvalidToken (or KeysUnavailable) otherwise."""
        kid = _kid(token)
        cache = self._cache
        if cache.stale():
            await self._refresh(lambda: cache.stale())
        if cache.keys is not None and kid not in cache.keys:
            await self._refresh(lambda: cache.keys is None or kid not in cache.keys)
        if cache.keys is None:
            raise KeysUnavailable(f"could not fetch {cache.jwks_url}")
        key = cache.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key", f"no published key has kid {kid!r}")
        return cache.check(token, key)

    async def _refresh(self, still_needed: Callable[[], bool]) -> None:
        async with self._lock:
            # Another request may have refreshed while this one waited for the lock.
            if not still_needed() or not self._cache.may_refetch():
                return
            self._cache.attempted_at = self._cache.clock()
            if self._session is None:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.get(self._cache.jwks_url, timeout=self._timeout) as resp:
                    resp.raise_for_status()
                    document = await resp.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError):
                # Keep the cached keys: a gateway hiccup must not log every user out.
                return
            self._cache.store(document)

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> "TokenVerifier":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class BlockingTokenVerifier:
    """The same checks for synchronous code; the JWKS is fetched with urllib. Thread-safe."""

    def __init__(
        self,
        gateway_url: str,
        audience: str,
        *,
        issuer: str | None = None,
        jwks_url: str | None = None,
        cache_seconds: float = 300.0,
        min_refresh_seconds: float = 30.0,
        leeway_seconds: float = 0.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = _KeyCache(
            gateway_url,
            audience,
            issuer=issuer,
            jwks_url=jwks_url,
            cache_seconds=cache_seconds,
            min_refresh_seconds=min_refresh_seconds,
            leeway_seconds=leeway_seconds,
            clock=clock,
        )
        self._timeout = timeout_seconds
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        kid = _kid(token)
        cache = self._cache
        if cache.stale():
            self._refresh(lambda: cache.stale())
        if cache.keys is not None and kid not in cache.keys:
            self._refresh(lambda: cache.keys is None or kid not in cache.keys)
        if cache.keys is None:
            raise KeysUnavailable(f"could not fetch {cache.jwks_url}")
        key = cache.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key", f"no published key has kid {kid!r}")
        return cache.check(token, key)

    def _refresh(self, still_needed: Callable[[], bool]) -> None:
        with self._lock:
            if not still_needed() or not self._cache.may_refetch():
                return
            self._cache.attempted_at = self._cache.clock()
            request = urllib.request.Request(
                self._cache.jwks_url, headers={"Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    document = json.loads(response.read())
            except (OSError, ValueError):
                return
            self._cache.store(document)
