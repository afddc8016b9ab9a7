"""The admin sub-application: bearer-token authentication and the route tables of each area."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from auth.admin_tokens import is_admin_token
from gateway.admin import clients, event_endpoints, orgs, seat_assignment
from gateway.admin import invites as invite_routes
from gateway.admin import seats as seat_routes
from gateway.errors import json_error
from gateway.keys import DATABASE, SETTINGS
from gateway.stripe import admin_routes as billing_routes


def create_admin_app() -> web.Application:
    """The admin routes; the database and settings are the parent application's."""
    app = web.Application(middlewares=[_require_admin_token])
    app.add_routes(orgs.routes)
    app.add_routes(clients.routes)
    app.add_routes(seat_routes.routes)
    app.add_routes(seat_assignment.routes)
    app.add_routes(invite_routes.routes)
    app.add_routes(billing_routes.routes)
    app.add_routes(event_endpoints.routes)
    return app


@web.middleware
async def _require_admin_token(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("send the admin token as 'Authorization: Bearer <token>'")
    async with request.config_dict[DATABASE].read() as conn:
        allowed = await is_admin_token(
            conn, token.strip(), request.config_dict[SETTINGS].admin_token
        )
    if not allowed:
        return _unauthorized("the admin token is not valid")
    return await handler(request)


def _unauthorized(detail: str) -> web.Response:
    response = json_error(401, "unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="seatgate-admin"'
    return response
