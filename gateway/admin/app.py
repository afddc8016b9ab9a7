"""The admin sub-application: who is calling (gateway/admin/actor.py) and the route tables of
each area."""

from aiohttp import web

from gateway.admin import (
    audit,
    clients,
    deprovision_holds,
    event_endpoints,
    orgs,
    portal_links,
    scim_tokens,
    seat_assignment,
)
from gateway.admin import invites as invite_routes
from gateway.admin import seats as seat_routes
from gateway.admin.actor import identify_caller
from gateway.stripe import admin_routes as billing_routes


def create_admin_app() -> web.Application:
    """The admin routes; the database and settings are the parent application's."""
    app = web.Application(middlewares=[identify_caller])
    app.add_routes(orgs.routes)
    app.add_routes(scim_tokens.routes)
    app.add_routes(clients.routes)
    app.add_routes(seat_routes.routes)
    app.add_routes(seat_assignment.routes)
    app.add_routes(invite_routes.routes)
    app.add_routes(billing_routes.routes)
    app.add_routes(event_endpoints.routes)
    app.add_routes(portal_links.routes)
    app.add_routes(audit.routes)
    app.add_routes(deprovision_holds.routes)
    return app
