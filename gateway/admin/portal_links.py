"""`POST /admin/v1/orgs/{org_id}/portal-links`: a single-use link into one org's console.

The operator (admin token) or a product client allowed for the org (HTTP Basic, so the product
can offer a "Manage seats" button in its own settings page) asks; the answer carries the URL
once. auth/console_access.py has the rules.
"""

from datetime import timedelta

from aiohttp import web

from auth import console_access
from auth.api_operations import documented
from auth.model import ConsoleRole
from gateway.admin.actor import ACTOR, product_clients_allowed
from gateway.admin.request_bodies import PortalLinkRequest
from gateway.admin.responses import PortalLink
from gateway.errors import read_body
from gateway.keys import DATABASE, SETTINGS
from seats.invites import MAX_EMAIL_LENGTH as MAX_INVITE_EMAIL_LENGTH

routes = web.RouteTableDef()

# The CLI's `portal-link` checks its --email against it too.
MAX_EMAIL_LENGTH = MAX_INVITE_EMAIL_LENGTH


@routes.post("/orgs/{org_id}/portal-links")
@documented(
    summary="Make a single-use link into the organization's console",
    description="The operator or a product client allowed for the org may ask.",
    tag="Console",
    security="admin_or_client",
    body=PortalLinkRequest,
    status=201,
    response=PortalLink,
    errors={404: "no such organization"},
)
@product_clients_allowed
async def create_portal_link(request: web.Request) -> web.Response:
    link_request = await read_body(request, PortalLinkRequest)
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[DATABASE].transaction() as conn:
        link = await console_access.issue_portal_link(
            conn,
            request.match_info["org_id"],
            email=link_request.email,
            role=ConsoleRole(link_request.role),
            lifetime=timedelta(seconds=settings.console_link_lifetime_seconds),
            actor=request[ACTOR],
        )
    return web.json_response(
        {
            "url": f"{settings.base_url}/console/enter/{link.token}",
            "expires_at": link.expires_at.isoformat(),
        },
        status=201,
    )
