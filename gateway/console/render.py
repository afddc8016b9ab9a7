"""Rendering a console page: every template gets the session, its CSRF token and the org's
page links besides what the page passes."""

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from auth import console_access
from auth.model import ConsoleRole
from gateway.console.keys import SESSION, SESSION_TOKEN

# The navigation, in order: (label, path under /console/orgs/{org_id}).
NAVIGATION = (
    ("Overview", ""),
    ("Members", "/members"),
    ("Seats", "/seats"),
    ("Invites", "/invites"),
    ("Identity provider", "/identity-provider"),
    ("Activity", "/activity"),
    ("Billing", "/billing"),
)


def render(
    template: str, request: web.Request, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, {**page_context(request), **context}, status=status
    )


def page_context(request: web.Request) -> dict[str, Any]:
    session = request.get(SESSION)
    if session is None:
        return {"session": None, "csrf_token": "", "navigation": (), "org_base": "", "org": None}
    base = f"/console/orgs/{session.org_id}"
    return {
        "session": session,
        "is_admin": session.role == ConsoleRole.ADMIN,
        "is_billing": session.role == ConsoleRole.BILLING,
        "csrf_token": console_access.csrf_token(request[SESSION_TOKEN]),
        "org_base": base,
        # A page that shows the org's name passes its `org`.
        "org": None,
        "navigation": [(label, base + path) for label, path in NAVIGATION],
        "current_path": request.path,
    }


def see_other(location: str) -> web.Response:
    """The answer to a form that worked: go to `location` (303, so the browser GETs it)."""
    return web.Response(status=303, headers={"Location": location})
