"""Verify seatgate product tokens in a few lines.

    verifier = TokenVerifier("https://seatgate.example.com", audience="seatgate-product")
    claims = await verifier.verify(token)      # raises InvalidToken
    if claims["seat_over_limit"]:
        ...                                    # show the upgrade prompt

The gateway's public keys come from `<gateway>/.well-known/jwks.json` through pyjwt's
`PyJWKClient`, cached for `cache_seconds`; a token naming an unknown `kid` triggers a re-fetch
(that is how a rotated key is learned), at most once per `min_refresh_seconds`, so forged kids
cannot flood the gateway. A failed fetch keeps the keys already known: a gateway hiccup must
not log every user out. The checks themselves are in `token_checks`.
`BlockingTokenVerifier` does the same for synchronous products (Django, Flask).
"""

import asyncio
from typing import Any

import jwt

from seatgate_sdk import token_checks
from seatgate_sdk.token_checks import InvalidToken


class KeysUnavailable(Exception):
    """The gateway's keys could not be fetched and none are cached (answer 503, not 401)."""


def _usable(key: object) -> bool:
    """Only keys that can verify ES256 are kept; anything else in the set is ignored."""
    return (
        isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("kty") == "EC"
        and key.get("crv") == "P-256"
        and key.get("alg", token_checks.ALGORITHM) == token_checks.ALGORITHM
        and key.get("use", "sig") == "sig"
    )


class _PublishedKeys(jwt.PyJWKClient):
    """PyJWKClient keeping only ES256 keys, and the last good key set when a fetch fails."""

    def __init__(
        self, jwks_url: str, *, cache_seconds: float, min_refresh_seconds: float, timeout: float
    ) -> None:
        super().__init__(
            jwks_url,
            lifespan=cache_seconds,
            cooldown_duration=min_refresh_seconds,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )
        self._last_good: dict[str, Any] | None = None
        self.fetches = 0

    def fetch_data(self) -> Any:
        try:
            document = super().fetch_data()
            keys = [key for key in document.get("keys", []) if _usable(key)]
            if not keys:
                raise jwt.PyJWKSetError("the JWK set holds no ES256 signing key")
        except (jwt.PyJWTError, ValueError, OSError):
            # Not reachable, or not a JWK set (a proxy's error page, say): keep what is known.
            if self._last_good is None:
                raise
            return self._last_good
        self._last_good = {"keys": keys}
        self.fetches += 1
        return self._last_good

    def cached_key(self, kid: str) -> jwt.PyJWK | None:
        """The key `kid` names if the cache is fresh and holds it: no I/O and no lock, so a
        fetch under way in another thread (PyJWKClient holds its lock while fetching) never
        stalls a verification that needs none."""
        cached = self.jwk_set_cache.get() if self.jwk_set_cache is not None else None
        if cached is None:
            return None
        return next((key for key in cached.keys if key.key_id == kid), None)

    def key_for(self, kid: str) -> jwt.PyJWK:
        try:
            return self.get_signing_key(kid)
        except jwt.PyJWTError as error:
            if self._last_good is None:
                raise KeysUnavailable(f"could not fetch {self.uri}: {error}") from None
            raise InvalidToken("unknown_key", f"no published key has kid {kid!r}") from None


class _Verifier:
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
    ) -> None:
        base = gateway_url.rstrip("/")
        self.issuer = (issuer or base).rstrip("/")
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self._keys = _PublishedKeys(
            jwks_url or f"{base}/.well-known/jwks.json",
            cache_seconds=cache_seconds,
            min_refresh_seconds=min_refresh_seconds,
            timeout=timeout_seconds,
        )

    @property
    def fetches(self) -> int:
        """How many times the JWKS was fetched successfully (for tests and metrics)."""
        return self._keys.fetches

    def _check(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        return token_checks.check(
            token,
            key,
            issuer=self.issuer,
            audience=self.audience,
            leeway_seconds=self.leeway_seconds,
        )


class TokenVerifier(_Verifier):
    """Async verifier. One per process; share it between requests. A verification that needs
    the network (first use, expired cache, unknown kid) fetches in a worker thread; all others
    run inline without I/O."""

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it is valid now; InvalidToken (or KeysUnavailable) otherwise."""
        kid = token_checks.unverified_kid(token)
        key = self._keys.cached_key(kid) or await asyncio.to_thread(self._keys.key_for, kid)
        return self._check(token, key)

    async def close(self) -> None:
        """Nothing to release (kept so `async with` and app clean-ups read naturally)."""

    async def __aenter__(self) -> "TokenVerifier":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class BlockingTokenVerifier(_Verifier):
    """The same checks for synchronous code (Django, Flask). Thread-safe."""

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it is valid now; InvalidToken (or KeysUnavailable) otherwise."""
        kid = token_checks.unverified_kid(token)
        return self._check(token, self._keys.cached_key(kid) or self._keys.key_for(kid))
