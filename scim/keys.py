"""Typed keys for what the SCIM sub-application holds (aiohttp `web.AppKey`, no globals)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from scim.protocol import ScimSettings
from scim.rate_limit import RateLimiter
from seats.storage.database import Database


@dataclass(frozen=True)
class TokenThrottled:
    """The token was not looked up: its caller is backing off after unknown tokens."""

    retry_after_seconds: int


# (bearer token, remote address) -> the organization, None (unknown or revoked) or throttled.
TokenLookup = Callable[[str, str | None], Awaitable[str | TokenThrottled | None]]

DATABASE = web.AppKey("scim_database", Database)
SETTINGS = web.AppKey("scim_settings", ScimSettings)
ORG_FOR_TOKEN = web.AppKey("scim_org_for_token", TokenLookup)
RATE_LIMITER = web.AppKey("scim_rate_limiter", RateLimiter)
# The organization the bearer token resolved to, set on each request by the auth middleware.
ORG_ID = web.RequestKey("scim_org_id", str)
