"""Typed keys for what the application holds (no module-level singletons)."""

from aiohttp import web

from auth.scim_tokens import ScimTokenCache
from gateway.config import Settings
from seats.storage.database import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SCIM_TOKENS = web.AppKey("scim_tokens", ScimTokenCache)
