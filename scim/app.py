"""Placeholder until the SCIM sub-application lands (being written now)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from seats.storage.database import Database


@dataclass(frozen=True)
class ScimSettings:
    base_url: str
    max_body_bytes: int = 1024 * 1024
    max_bulk_operations: int = 1000
    max_filter_results: int = 1000
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200


def create_scim_app(
    database: Database,
    settings: ScimSettings,
    *,
    org_for_token: Callable[[str], Awaitable[str | None]],
) -> web.Application:
    return web.Application()
