"""The SCIM errors answered to an authenticated org's IdP, written to its error log
(seats/scim_error_log.py) so the org's admins see them in the console.

An outer middleware: it sees every response the SCIM sub-app gives, whatever produced it (an
operation's mapped domain error, the router, the body checks, the 500 of a bug). The row is
written in its own short transaction once the response is decided, and a failure to write it
is logged, never answered. Not written: answers before the org is known (401), and the
back-pressure ones (429, 503), since a row per refused request would add load to a gateway that
is shedding it.
"""

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from scim.keys import DATABASE, ORG_ID
from seats import scim_error_log
from seats.clock import utcnow

log = logging.getLogger("seatgate.scim")

_NOT_LOGGED = frozenset({429, 503})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def log_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    org_id = request.get(ORG_ID)
    if org_id is not None and response.status >= 400 and response.status not in _NOT_LOGGED:
        scim_type, detail = error_of(response)
        try:
            async with request.app[DATABASE].transaction() as conn:
                await scim_error_log.record(
                    conn,
                    org_id,
                    at=utcnow(),
                    method=request.method,
                    path=request.path_qs,
                    status=response.status,
                    scim_type=scim_type,
                    detail=detail,
                    user_agent=request.headers.get("User-Agent"),
                )
        except Exception:
            log.warning("could not log a SCIM error for org %s", org_id, exc_info=True)
    return response


def error_of(response: web.StreamResponse) -> tuple[str | None, str]:
    """The scimType and detail of an RFC 7644 error body (§3.12)."""
    body = response.body if isinstance(response, web.Response) else None
    try:
        error = json.loads(body) if isinstance(body, bytes) else None
    except ValueError:
        error = None
    if not isinstance(error, dict):
        return None, ""
    scim_type, detail = error.get("scimType"), error.get("detail")
    return (
        scim_type if isinstance(scim_type, str) else None,
        detail if isinstance(detail, str) else "",
    )
