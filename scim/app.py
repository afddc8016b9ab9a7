"""Placeholder until the SCIM sub-application lands (being written now)."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from scim.protocol import ScimSettings
from seats.storage.database import Database


def create_scim_app(
    database: Database,
    settings: ScimSettings,
    *,
    org_for_token: Callable[[str], Awaitable[str | None]],
) -> web.Application:
    return web.Application()
