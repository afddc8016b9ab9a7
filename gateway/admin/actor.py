"""Who is calling the admin API: the operator's admin token, or (on the few routes marked
`product_clients_allowed`) a product client allowed for the org in the path.

The middleware puts the caller's name under `request[ACTOR]` (`admin` or `product:<client id>`)
for the audit trail and the events.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from auth.admin_tokens import is_admin_token
from auth.client_auth import authenticate_client
from auth.routes import PRODUCT_TOKENS
from gateway.config import reveal
from gateway.errors import json_error
from gateway.keys import DATABASE, SETTINGS
from seats.errors import NotFound

ACTOR = web.RequestKey("actor", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_PRODUCT_CLIENTS_ALLOWED = "seatgate_product_clients_allowed"


def product_clients_allowed(handler: Handler) -> Handler:
    """Mark a route under /orgs/{org_id} that a product client allowed for the org may call."""
    setattr(handler, _PRODUCT_CLIENTS_ALLOWED, True)
    return handler


@web.middleware
async def identify_caller(request: web.Request, handler: Handler) -> web.StreamResponse:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    route_handler = request.match_info.route.handler
    if scheme.lower() == "basic" and getattr(route_handler, _PRODUCT_CLIENTS_ALLOWED, False):
        org_id = request.match_info["org_id"]
        async with request.config_dict[DATABASE].read() as conn:
            client = await authenticate_client(
                request, conn, request.config_dict[PRODUCT_TOKENS].limiter
            )
        if not client.may_act_for(org_id):
            # The answer an unknown org gets: a client never learns which org ids exist.
            raise NotFound(f"organization {org_id} does not exist")
        request[ACTOR] = f"product:{client.id}"
        return await handler(request)
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("send the admin token as 'Authorization: Bearer <token>'")
    async with request.config_dict[DATABASE].read() as conn:
        allowed = await is_admin_token(
            conn, token.strip(), reveal(request.config_dict[SETTINGS].admin_token)
        )
    if not allowed:
        return _unauthorized("the admin token is not valid")
    request[ACTOR] = "admin"
    return await handler(request)


def _unauthorized(detail: str) -> web.Response:
    response = json_error(401, "unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="seatgate-admin"'
    return response
