"""The directory sub-application (/directory/v1): what the product behind the gateway reads
about the organizations it serves, authenticated with its product client's credentials.

The database, the settings and the client-failure limiter are the parent application's (the
limiter is the token endpoints' own, so failures anywhere count towards one limit).
"""

from aiohttp import web

from gateway.directory import events, groups, users

# Each module holds a `routes` table; a new area of the directory API is one more entry here.
ROUTE_MODULES = (users, groups, events)


def create_directory_app() -> web.Application:
    app = web.Application()
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    return app
