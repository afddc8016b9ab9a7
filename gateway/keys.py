"""Typed keys for what the application holds (no module-level singletons)."""

from aiohttp import web

from gateway.config import Settings
from seats.storage.database import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
