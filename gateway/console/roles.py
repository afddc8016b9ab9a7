"""Which console role may change what (auth.model.ConsoleRole): both roles see every page."""

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION

_WHAT = {
    ConsoleRole.ADMIN: "manage members, invites and the identity provider",
    ConsoleRole.BILLING: "change the seat quantity and billing",
}


def require_role(request: web.Request, role: ConsoleRole) -> None:
    """403 unless the session's role is `role` (the page hides what the role may not do, and
    this refuses it anyway)."""
    if request[SESSION].role != role:
        raise web.HTTPForbidden(reason=f"only the {role.value} role may {_WHAT[role]}")
