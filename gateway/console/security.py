"""What every console answer carries and every console request must show.

- Headers: a strict Content-Security-Policy (scripts and styles from /console/static only, no
  inline code: htmx is configured not to inject its indicator styles), no framing, no referrer
  (a sign-in link must not leak through it), no caching of pages that show an org's data.
- Sessions: pages under /console/orgs/{org_id}/ need a live session of that org. No session
  is a redirect to the sign-in page; a session of another org gets 404, the answer an org that
  does not exist gets, so a session never learns which org ids exist.
- CSRF: every state-changing request (all of them are org pages, sign-out included) carries
  the session's CSRF token, as the form field `csrf_token` or the `X-CSRF-Token` header (htmx
  sends it from the page's `hx-headers`).
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from aiohttp import web

from auth import console_access
from gateway.config import Settings
from gateway.console.keys import COOKIE, SESSION, SESSION_TOKEN
from gateway.keys import DATABASE, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # Pico draws its icons with data: URIs.
        "img-src 'self' data:",
        "connect-src 'self'",
        # form-action also governs where a form's redirect leads: the Billing page's forms
        # answer 303 to Stripe's hosted Checkout and customer portal.
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ORG_PAGES = "/console/orgs/"
STATIC = "/console/static/"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(_HEADERS)
        raise
    response.headers.update(_HEADERS)
    if not request.path.startswith(STATIC):
        response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the cookie's session; org pages need one of their own org, and its CSRF token."""
    if request.path.startswith(STATIC):
        return await handler(request)
    token = request.cookies.get(COOKIE)
    session = None
    if token:
        timeouts = session_timeouts(request.config_dict[SETTINGS])
        async with request.config_dict[DATABASE].transaction() as conn:
            session = await console_access.live_session(conn, token, timeouts)
    if session is not None and token is not None:
        request[SESSION] = session
        request[SESSION_TOKEN] = token
        structlog.contextvars.bind_contextvars(org_id=session.org_id)
    if request.path.startswith(ORG_PAGES):
        if session is None:
            raise web.HTTPSeeOther("/console/login?expired=1" if token else "/console/login")
        if request.match_info.get("org_id") != session.org_id:
            raise web.HTTPNotFound()
        if request.method not in _SAFE_METHODS:
            await _check_csrf(request, token)  # type: ignore[arg-type]  # a session has one
    return await handler(request)


async def _check_csrf(request: web.Request, session_token: str) -> None:
    presented = request.headers.get("X-CSRF-Token")
    if presented is None:
        presented = (await request.post()).get("csrf_token")  # type: ignore[assignment]
    if not isinstance(presented, str) or not console_access.csrf_matches(session_token, presented):
        raise web.HTTPForbidden(reason="CSRF token missing or wrong")


def session_timeouts(settings: Settings) -> console_access.SessionTimeouts:
    return console_access.SessionTimeouts(
        idle=timedelta(seconds=settings.console_session_idle_seconds),
        absolute=timedelta(seconds=settings.console_session_max_seconds),
    )


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    settings = request.config_dict[SETTINGS]
    response.set_cookie(
        COOKIE,
        token,
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=request.secure or settings.base_url.startswith("https://"),
        max_age=settings.console_session_max_seconds,
    )
