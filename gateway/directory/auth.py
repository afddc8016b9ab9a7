"""Who may read the directory: the product client of the request's HTTP Basic credentials,
authenticated exactly as /auth/v1/tokens authenticates it (same throttling, same 401/429), and
only for an organization it may act for.

A client limited to one org that names another gets the answer an unknown org gets (404), so
the directory never tells it which org ids exist.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.client_auth import authenticate_client
from auth.routes import PRODUCT_TOKENS
from gateway.keys import DATABASE
from seats.directory import org_not_found


@asynccontextmanager
async def org_read(request: web.Request) -> AsyncIterator[tuple[AsyncConnection, str]]:
    """A read transaction for the org named in the path, once the client may see it: the
    client check and the reads share one snapshot and one connection."""
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        client = await authenticate_client(
            request, conn, request.config_dict[PRODUCT_TOKENS].limiter
        )
        if not client.may_act_for(org_id):
            raise org_not_found(org_id)
        yield conn, org_id
