"""The Seats page: the seat quantity of a Stripe-managed org, chosen with a stepper or a quick
size, previewed as Stripe's next invoice, then confirmed (billing role only).

- `GET  /orgs/{id}/seats`: the seats, the plan's interval, the quantity form; with `?seats=N`
  the preview of changing to N (Stripe's invoice preview, or a note that Stripe did not answer);
- `POST /orgs/{id}/seats`: the change, through the admin API's use case, audited as
  `seats.quantity_changed`; then back to the page.

Orgs without Stripe (billing off, or an org no subscription manages) see their limit read-only.
A quantity below usage or above the cap is refused with the sentence the form shows before it
is sent, re-rendered with 422.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from auth.model import ConsoleRole
from gateway.console.keys import SESSION
from gateway.console.money import money
from gateway.console.render import render, see_other
from gateway.console.roles import require_role
from gateway.keys import DATABASE
from gateway.stripe.settings import BILLING
from seats.billing import BillingRejected, BillingUnavailable, plans
from seats.billing.pushes import NoSeatItem
from seats.billing.seat_quantity import (
    SeatChangePreview,
    SeatQuantity,
    SeatQuantityOutOfRange,
    change_seat_quantity,
    preview_seat_change,
    seat_quantity,
)

routes = web.RouteTableDef()

NOT_A_NUMBER = "Enter the number of seats as a whole number, for example 12."


@routes.get("/orgs/{org_id}/seats")
async def seats_page(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    database, billing = request.config_dict[DATABASE], request.config_dict.get(BILLING)
    wanted = request.query.get("seats")
    if wanted is None or billing is None:
        page = await seat_quantity(database, billing, org_id)
        changed = _whole_number(request.query.get("changed"))
        return _render(request, page, notice=changed)
    require_role(request, ConsoleRole.BILLING)
    seats = _whole_number(wanted)
    if seats is None:
        page = await seat_quantity(database, billing, org_id)
        return _render(request, page, quantity_error=NOT_A_NUMBER, status=422)
    try:
        page, preview = await preview_seat_change(database, billing, org_id, seats)
    except (SeatQuantityOutOfRange, NoSeatItem) as refused:
        page = await seat_quantity(database, billing, org_id)
        return _render(request, page, chosen=seats, quantity_error=refused.detail, status=422)
    return _render(request, page, chosen=seats, preview=preview)


@routes.post("/orgs/{org_id}/seats")
async def change_quantity(request: web.Request) -> web.Response:
    require_role(request, ConsoleRole.BILLING)
    org_id = request.match_info["org_id"]
    database, billing = request.config_dict[DATABASE], request.config_dict.get(BILLING)
    if billing is None:
        raise web.HTTPConflict(reason="Stripe billing is not configured on this gateway.")
    form = await request.post()
    seats = _whole_number(form.get("seats"))
    if seats is None:
        page = await seat_quantity(database, billing, org_id)
        return _render(request, page, quantity_error=NOT_A_NUMBER, status=422)
    try:
        await change_seat_quantity(
            database,
            billing,
            org_id,
            seats,
            actor=request[SESSION].actor,
            previewed=form.get("previewed") == "yes",
        )
    except (SeatQuantityOutOfRange, NoSeatItem) as refused:
        page = await seat_quantity(database, billing, org_id)
        return _render(request, page, chosen=seats, quantity_error=refused.detail, status=422)
    except BillingUnavailable:
        page = await seat_quantity(database, billing, org_id)
        error = "Stripe could not be reached, so nothing changed. Try again in a moment."
        return _render(request, page, chosen=seats, error=error, status=502)
    except BillingRejected as refused:
        page = await seat_quantity(database, billing, org_id)
        error = f"Stripe refused the change, so nothing changed: {refused.message}"
        return _render(request, page, chosen=seats, error=error, status=422)
    return see_other(f"/console/orgs/{org_id}/seats?changed={seats}")


def _render(
    request: web.Request,
    page: SeatQuantity,
    *,
    chosen: int | None = None,
    preview: SeatChangePreview | None = None,
    notice: int | None = None,
    quantity_error: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    context: dict[str, Any] = {
        "org": page.org,
        "page": page,
        "seats": page.seats,
        "bounds": page.bounds,
        "billing_on": request.config_dict.get(BILLING) is not None,
        "item": page.seat_item,
        "interval": plans.describe_interval(page.seat_item),
        "chosen": page.current if chosen is None else chosen,
        "preview": preview,
        "notice": notice,
        "decrease": page.pending_decrease,
        "quantity_error": quantity_error,
        "error": error,
        "money": money,
    }
    return render("seats.html", request, context, status=status)


def _whole_number(value: object) -> int | None:
    digits = value.strip() if isinstance(value, str) else ""
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        return None
    return int(digits)
