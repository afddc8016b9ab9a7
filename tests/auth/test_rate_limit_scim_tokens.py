"""The SCIM token cache throttles unknown tokens before the database lookup."""

from collections.abc import Awaitable, Callable

import pytest

from auth.rate_limit import TooManyFailures
from auth.scim_tokens import ScimTokenCache, scim_failure_limiter
from tests.throttling_support import ManualClock

GUESSER = "192.0.2.66"
IDP = "198.51.100.10"


class Lookups:
    """A token lookup that counts how often the database would have been asked."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.calls = 0

    def for_token(self, token: str) -> Callable[[], Awaitable[str | None]]:
        async def lookup() -> str | None:
            self.calls += 1
            return self.known.get(token)

        return lookup


async def test_a_backing_off_address_gets_no_lookup() -> None:
    cache = ScimTokenCache(failures=scim_failure_limiter(clock=ManualClock()))
    lookups = Lookups({})
    for n in range(30):
        assert (
            await cache.org_for(f"guess-{n}", lookups.for_token(f"guess-{n}"), remote=GUESSER)
            is None
        )
    assert lookups.calls == 30
    with pytest.raises(TooManyFailures) as refused:
        await cache.org_for("guess-30", lookups.for_token("guess-30"), remote=GUESSER)
    assert refused.value.retry_after == 5
    assert lookups.calls == 30


async def test_a_valid_token_is_looked_up_from_another_address_and_answered_from_the_cache() -> (
    None
):
    cache = ScimTokenCache(failures=scim_failure_limiter(clock=ManualClock()))
    lookups = Lookups({"valid": "org-1"})
    for n in range(30):
        await cache.org_for(f"guess-{n}", lookups.for_token(f"guess-{n}"), remote=GUESSER)
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=IDP) == "org-1"
    # Known good and costing no lookup, a cached token is answered even at the guesser's address.
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=GUESSER) == "org-1"


async def test_a_cached_token_is_looked_up_again_after_30_seconds() -> None:
    clock = ManualClock()
    cache = ScimTokenCache(failures=scim_failure_limiter(clock=clock), clock=clock)
    lookups = Lookups({"valid": "org-1"})
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=IDP) == "org-1"
    clock.advance(29.9)
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=IDP) == "org-1"
    assert lookups.calls == 1
    # Revoked by another gateway process: this one asks the database again after 30 s.
    del lookups.known["valid"]
    clock.advance(0.2)
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=IDP) is None
    assert lookups.calls == 2


async def test_clearing_the_cache_makes_the_next_request_look_the_token_up() -> None:
    cache = ScimTokenCache(failures=scim_failure_limiter(clock=ManualClock()))
    lookups = Lookups({"valid": "org-1"})
    await cache.org_for("valid", lookups.for_token("valid"), remote=IDP)
    cache.clear()
    del lookups.known["valid"]
    assert await cache.org_for("valid", lookups.for_token("valid"), remote=IDP) is None
    assert lookups.calls == 2


async def test_a_full_cache_makes_room_by_dropping_the_least_recently_used_token() -> None:
    cache = ScimTokenCache(max_entries=2, failures=scim_failure_limiter(clock=ManualClock()))
    lookups = Lookups({"a": "org-a", "b": "org-b", "c": "org-c"})
    for token in ("a", "b", "a", "c"):
        await cache.org_for(token, lookups.for_token(token), remote=IDP)
    assert lookups.calls == 3
    await cache.org_for("a", lookups.for_token("a"), remote=IDP)
    assert lookups.calls == 3
    await cache.org_for("b", lookups.for_token("b"), remote=IDP)
    assert lookups.calls == 4
