"""The console sub-application (/console): templates, static files, sessions and the pages.

Each page is a module with a `routes` table; a new page is one module and one entry in PAGES
(and a link in templates/base.html's navigation).
"""

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.console import (
    access,
    activity,
    billing,
    deprovisions,
    errors,
    identity_provider,
    invites,
    members,
    overview,
    seats,
    security,
)
from gateway.console.forms import readable_forms
from gateway.console.mail import sign_in_mail_lifecycle

PAGES: tuple[web.RouteTableDef, ...] = (
    access.routes,
    overview.routes,
    identity_provider.routes,
    activity.routes,
    members.routes,
    invites.routes,
    seats.routes,
    billing.routes,
    deprovisions.routes,
)
STATIC_DIR = Path(__file__).parent / "static"


def create_console_app() -> web.Application:
    """The console's routes; the database and settings are the parent application's."""
    app = web.Application(
        middlewares=[
            security.security_headers,
            errors.html_errors,
            readable_forms,
            security.require_session,
        ]
    )
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("gateway.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app[access.SIGN_IN_LIMITER] = access.sign_in_limiter()
    app.cleanup_ctx.append(sign_in_mail_lifecycle)
    for routes in PAGES:
        app.add_routes(routes)
    app.router.add_static("/static/", STATIC_DIR, name="static")
    return app
