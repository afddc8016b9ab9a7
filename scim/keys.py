"""Typed keys for what the SCIM sub-application holds (aiohttp `web.AppKey`, no globals)."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from scim.protocol import ScimSettings
from scim.rate_limit import RateLimiter
from seats.storage.database import Database


@dataclass(frozen=True)
class TokenThrottled:
    """The token was not looked up: its caller is backing off after unknown tokens."""

    retry_after_seconds: int


@dataclass(frozen=True)
class Connection:
    """The SCIM connection a bearer token names: the token's id and its organization."""

    token_id: str
    org_id: str


# (bearer token, remote address) -> the connection, None (unknown or revoked) or throttled.
TokenLookup = Callable[[str, str | None], Awaitable[Connection | TokenThrottled | None]]

DATABASE = web.AppKey("scim_database", Database)
SETTINGS = web.AppKey("scim_settings", ScimSettings)
ORG_FOR_TOKEN = web.AppKey("scim_org_for_token", TokenLookup)
RATE_LIMITER = web.AppKey("scim_rate_limiter", RateLimiter)
# The organization the bearer token resolved to, set on each request by the auth middleware.
ORG_ID = web.RequestKey("scim_org_id", str)
# The connection, set with ORG_ID and also on a request refused by the per-token rate limit.
CONNECTION = web.RequestKey("scim_connection", Connection)
# The route a path spelled otherwise (`/users/2819c223/`) reached on a second look (scim/app.py).
REROUTED = web.RequestKey("scim_rerouted", web.UrlMappingMatchInfo)
# The IdP quirks the operation normalized (ScimResponse.normalized), set once it answered.
NORMALIZED = web.RequestKey("scim_normalized", Mapping)
