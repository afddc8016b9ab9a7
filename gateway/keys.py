"""Typed keys for what the application holds (no module-level singletons)."""

from dataclasses import dataclass

from aiohttp import web

from auth.scim_tokens import ScimTokenCache
from auth.token_usage import TokenUsage
from gateway.config import Settings
from scim.telemetry import ConnectionTelemetry
from seats.storage.database import Database


@dataclass
class RequestsUnderWay:
    """How many requests this process is serving right now (the access-log middleware counts)."""

    count: int = 0


SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SCIM_TOKENS = web.AppKey("scim_tokens", ScimTokenCache)
SCIM_TOKEN_USAGE = web.AppKey("scim_token_usage", TokenUsage)
SCIM_TELEMETRY = web.AppKey("scim_connection_telemetry", ConnectionTelemetry)
REQUESTS_UNDER_WAY = web.AppKey("requests_under_way", RequestsUnderWay)
