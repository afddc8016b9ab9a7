"""The Billing page: the subscription's state and interval, the next invoice (Stripe's upcoming
invoice preview, else the period end), a Checkout for orgs not paying yet and a link into
Stripe's customer portal (billing role only for both).

- `GET  /orgs/{id}/billing`: the page (the same overview as `GET /admin/v1/orgs/{id}/billing`);
- `POST /orgs/{id}/billing/checkout`: start a hosted Checkout, then go to Stripe;
- `POST /orgs/{id}/billing/portal`: open a customer portal session, then go to Stripe.

Both actions answer 303 to Stripe's page; the console's Content-Security-Policy lets those
forms go there: `form-action` also governs where a form's redirect may lead.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION
from gateway.console.money import money
from gateway.console.render import render
from gateway.console.roles import require_role
from gateway.keys import DATABASE, SETTINGS
from gateway.stripe.settings import BILLING
from seats.billing import BillingRejected, BillingUnavailable, account, plans
from seats.billing.purchases import PRICE_LOOKUP_KEYS, Checkout, PriceNotConfigured
from seats.billing.service import Billing

routes = web.RouteTableDef()

INTERVAL_CHOICES = [(name, plans.INTERVALS[name][1]) for name in PRICE_LOOKUP_KEYS]


@routes.get("/orgs/{org_id}/billing")
async def billing_page(request: web.Request) -> web.Response:
    return await _render(request, notice=_notice(request.query.get("checkout")))


@routes.post("/orgs/{org_id}/billing/checkout")
async def start_checkout(request: web.Request) -> web.Response:
    require_role(request, ConsoleRole.BILLING)
    billing = _billing(request)
    form = await request.post()
    seats, interval = form.get("seats"), form.get("interval")
    digits = seats.strip() if isinstance(seats, str) else ""
    if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) < 1_000_000:
        return await _render(request, error="Enter the number of seats to buy, for example 10.")
    if interval not in PRICE_LOOKUP_KEYS:
        return await _render(request, error="Choose how often to pay.", status=422)
    page = f"{request.config_dict[SETTINGS].base_url}/console/orgs/{request.match_info['org_id']}"
    checkout = Checkout(
        seats=int(digits),
        interval=str(interval),
        success_url=f"{page}/billing?checkout=done",
        cancel_url=f"{page}/billing?checkout=canceled",
    )
    try:
        session = await account.start_checkout(
            request.config_dict[DATABASE],
            billing,
            request.match_info["org_id"],
            checkout,
            actor=request[SESSION].actor,
        )
    except (BillingUnavailable, BillingRejected, PriceNotConfigured) as failed:
        return await _render(
            request, error=_sentence(failed, "start the checkout"), status=_status(failed)
        )
    raise web.HTTPSeeOther(session.url)


@routes.post("/orgs/{org_id}/billing/portal")
async def open_portal(request: web.Request) -> web.Response:
    require_role(request, ConsoleRole.BILLING)
    billing = _billing(request)
    org_id = request.match_info["org_id"]
    back = f"{request.config_dict[SETTINGS].base_url}/console/orgs/{org_id}/billing"
    try:
        url = await account.open_customer_portal(
            request.config_dict[DATABASE],
            billing,
            org_id,
            return_url=back,
            actor=request[SESSION].actor,
        )
    except (BillingUnavailable, BillingRejected) as failed:
        return await _render(
            request, error=_sentence(failed, "open the portal"), status=_status(failed)
        )
    raise web.HTTPSeeOther(url)


async def _render(
    request: web.Request,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int | None = None,
) -> web.Response:
    database, billing = request.config_dict[DATABASE], request.config_dict.get(BILLING)
    found = await account.billing_account(database, billing, request.match_info["org_id"])
    context: dict[str, Any] = {
        "org": found.org,
        "account": found,
        "intervals": INTERVAL_CHOICES,
        "notice": notice,
        "error": error,
        "money": money,
    }
    default_status = 422 if error else 200
    return render("billing.html", request, context, status=status or default_status)


def _billing(request: web.Request) -> Billing:
    billing = request.config_dict.get(BILLING)
    if billing is None:
        raise web.HTTPConflict(reason="Stripe billing is not configured on this gateway.")
    return billing


def _notice(checkout: str | None) -> str | None:
    if checkout == "done":
        return "Thank you: Stripe confirms the subscription in a moment, and the seats follow."
    if checkout == "canceled":
        return "The checkout was canceled: nothing was bought."
    return None


def _status(failed: Exception) -> int:
    """As the admin API answers: Stripe unreachable 502, Stripe refusing 422, no price 409."""
    if isinstance(failed, BillingUnavailable):
        return 502
    return 422 if isinstance(failed, BillingRejected) else 409


def _sentence(failed: Exception, action: str) -> str:
    if isinstance(failed, BillingUnavailable):
        return f"Stripe could not be reached, so we could not {action}. Try again in a moment."
    if isinstance(failed, BillingRejected):
        return f"Stripe refused to {action}: {failed.message}"
    return f"Billing is not set up to {action} yet: {failed}"
