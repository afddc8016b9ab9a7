"""Getting into the console and out of it: portal links, magic-link sign-in, sign-out.

- `GET /console/enter/{token}`: a portal link (made with POST /admin/v1/orgs/{id}/portal-links)
  opens a session at once, since the product or the operator hands it to the person directly.
- `/console/login`: an address on an org's admin list asks for a link by email. The answer is
  the same whether or not the address is known, and requests are rate limited per address and
  per email. The emailed link shows a button first: mail scanners that follow links must not
  use it up.
- `POST /console/orgs/{org_id}/sign-out` ends the session.
"""

from datetime import timedelta

from aiohttp import web

from auth import console_access
from auth.client_auth import plain_string
from auth.rate_limit import FailureLimiter, Limit, address_key
from gateway.console.keys import COOKIE, SESSION, SESSION_TOKEN
from gateway.console.mail import SIGN_IN_MAIL, email_configured
from gateway.console.render import render, see_other
from gateway.console.security import set_session_cookie
from gateway.keys import DATABASE, SETTINGS
from gateway.metrics import METRICS

routes = web.RouteTableDef()

MAX_EMAIL_LENGTH = 320
SIGN_IN_LIMITER = web.AppKey("console_sign_in_limiter", FailureLimiter)


def sign_in_limiter() -> FailureLimiter:
    """Sign-in requests from one address, and for one email from one address: past 20 and 5 a
    quarter hour, a wait from 1 minute doubling to 15. Never per email alone, which would let
    anyone keep an admin from receiving links (a portal link still works then)."""
    return FailureLimiter(
        {
            "address": Limit(20, 900, first_backoff_seconds=60, max_backoff_seconds=900),
            "address_email": Limit(5, 900, first_backoff_seconds=60, max_backoff_seconds=900),
        },
        max_keys=50_000,
    )


@routes.get("/")
async def console_root(request: web.Request) -> web.Response:
    session = request.get(SESSION)
    return see_other(f"/console/orgs/{session.org_id}" if session else "/console/login")


@routes.get("/enter/{token}")
async def enter_with_portal_link(request: web.Request) -> web.StreamResponse:
    return await _redeem(request)


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, sent=False)


@routes.post("/login")
async def request_sign_in_link(request: web.Request) -> web.Response:
    form = await request.post()
    email = form.get("email")
    if not plain_string(email, MAX_EMAIL_LENGTH) or "@" not in email:  # type: ignore[operator]
        return _login_page(request, sent=False, error="Enter the email address you use at work.")
    address = address_key(request.remote)
    keys = {"address": address, "address_email": f"{address} {email.lower()}"}  # type: ignore[union-attr]
    limiter = request.config_dict[SIGN_IN_LIMITER]
    retry_after = limiter.retry_after(keys)
    if retry_after is not None:
        response = _login_page(
            request,
            sent=False,
            error=f"Too many sign-in requests. Try again in {retry_after // 60 + 1} minutes.",
            status=429,
        )
        response.headers["Retry-After"] = str(retry_after)
        return response
    limiter.record_failure(keys)
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[DATABASE].transaction() as conn:
        links = await console_access.issue_magic_links(
            conn,
            email,  # type: ignore[arg-type]  # checked above
            lifetime=timedelta(seconds=settings.console_link_lifetime_seconds),
        )
    request.config_dict[SIGN_IN_MAIL].send_later(
        settings,
        email,  # type: ignore[arg-type]
        links,
        on_failure=request.config_dict[METRICS].sign_in_email_failed,
    )
    return _login_page(request, sent=True, email=email)


@routes.get("/login/{token}")
async def confirm_magic_link(request: web.Request) -> web.Response:
    return render("confirm_sign_in.html", request, {"token": request.match_info["token"]})


@routes.post("/login/{token}")
async def sign_in_with_magic_link(request: web.Request) -> web.StreamResponse:
    return await _redeem(request)


@routes.post("/orgs/{org_id}/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DATABASE].transaction() as conn:
        await console_access.end_session(conn, request[SESSION_TOKEN], request[SESSION])
    response = see_other("/console/login?signed_out=1")
    response.del_cookie(COOKIE, path="/console")
    return response


async def _redeem(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DATABASE].transaction() as conn:
        opened = await console_access.redeem_link(conn, request.match_info["token"])
    if opened is None:
        raise web.HTTPGone(
            reason="This sign-in link has already been used or has expired. Ask for a new one."
        )
    response = see_other(f"/console/orgs/{opened.session.org_id}")
    set_session_cookie(request, response, opened.token)
    return response


def _login_page(
    request: web.Request,
    *,
    sent: bool,
    email: object = "",
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        "login.html",
        request,
        {
            "sent": sent,
            "email": email,
            "error": error,
            "email_configured": email_configured(request),
            "signed_out": "signed_out" in request.query,
            "expired": "expired" in request.query,
        },
        status=status,
    )
