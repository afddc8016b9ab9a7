"""`POST /admin/v1/orgs/{org_id}/portal-links`: a single-use link into one org's console.

The operator (admin token) or a product client allowed for the org (HTTP Basic, so the product
can offer a "Manage seats" button in its own settings page) asks; the answer carries the URL
once. auth/console_access.py has the rules.
"""

from datetime import timedelta

from aiohttp import web

from auth import console_access
from auth.client_auth import plain_string
from gateway.admin.actor import ACTOR, product_clients_allowed
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE, SETTINGS

routes = web.RouteTableDef()

MAX_EMAIL_LENGTH = 320


@routes.post("/orgs/{org_id}/portal-links")
@product_clients_allowed
async def create_portal_link(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    unknown = set(body) - {"email", "role"}
    if unknown:
        raise ApiError(422, "invalid_value", f"unknown field(s): {', '.join(sorted(unknown))}")
    email = body.get("email")
    if not plain_string(email, MAX_EMAIL_LENGTH) or "@" not in email:  # type: ignore[operator]
        raise ApiError(422, "invalid_value", "email is required: the address of the person")
    role = console_access.parse_role(body.get("role", "admin"))
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[DATABASE].transaction() as conn:
        link = await console_access.issue_portal_link(
            conn,
            request.match_info["org_id"],
            email=email,  # type: ignore[arg-type]  # checked above
            role=role,
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
