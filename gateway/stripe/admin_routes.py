"""Admin endpoints for billing (docs/billing.md "Admin API"); each parses, calls one
`seats.billing` use case and renders:

- `POST /orgs/{id}/billing/checkout` and `POST /billing/owner-checkout`: a hosted Checkout for a
  number of seats at a billing interval, for an org or for the owner of an org not created yet;
- `GET /orgs/{id}/billing`: the subscription as Stripe has it now, and the last sync;
- `PUT /orgs/{id}/billing/seats`: change the seat count on Stripe, synchronously;
- `POST /orgs/{id}/billing/attach`: attach an owner's held purchase to an existing org.

With billing off, each answers 503 `billing_disabled`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from auth.api_operations import documented
from gateway.admin.request_bodies import Attachment, OwnerCheckout, SeatCount
from gateway.admin.request_bodies import Checkout as CheckoutRequest
from gateway.admin.seats import change_json
from gateway.errors import read_body
from gateway.keys import DATABASE
from gateway.stripe.errors import billing_errors
from gateway.stripe.settings import billing_of
from seats.billing import BillingRejected, SubscriptionSnapshot, purchases, service, state
from seats.billing.purchases import Checkout

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/billing/checkout")
@documented(
    summary="Start a Stripe Checkout for the organization's seats",
    tag="Billing",
    security="admin",
    body=CheckoutRequest,
    status=201,
    errors={
        404: "no such organization",
        502: "Stripe is unreachable",
        503: "billing is off (billing_disabled), or the database is unavailable",
    },
)
async def org_checkout(request: web.Request) -> web.Response:
    billing = billing_of(request)
    checkout = _checkout(request, await read_body(request, CheckoutRequest))
    with billing_errors("start the checkout"):
        session = await purchases.start_org_checkout(
            request.config_dict[DATABASE], billing, request.match_info["org_id"], checkout
        )
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.post("/billing/owner-checkout")
@documented(
    summary="Start a Stripe Checkout before the organization exists",
    tag="Billing",
    security="admin",
    body=OwnerCheckout,
    status=201,
    errors={
        502: "Stripe is unreachable",
        503: "billing is off (billing_disabled), or the database is unavailable",
    },
)
async def owner_checkout(request: web.Request) -> web.Response:
    """A purchase before the org exists: held for `owner_email` until the org is created with
    that `owner_email` (POST /orgs) or attached (POST /orgs/{id}/billing/attach)."""
    billing = billing_of(request)
    owner_request = await read_body(request, OwnerCheckout)
    checkout = _checkout(request, owner_request)
    with billing_errors("start the checkout"):
        session = await purchases.start_owner_checkout(billing, owner_request.owner_email, checkout)
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.get("/orgs/{org_id}/billing")
@documented(
    summary="The organization's subscription as Stripe has it, and the last sync",
    tag="Billing",
    security="admin",
    errors={
        404: "no such organization",
        503: "billing is off (billing_disabled), or the database is unavailable",
    },
)
async def get_billing(request: web.Request) -> web.Response:
    overview = await purchases.billing_overview(
        request.config_dict[DATABASE], billing_of(request), request.match_info["org_id"]
    )
    org = overview.org
    answer: dict[str, Any] = {
        "org_id": org.id,
        "managed_by": "billing" if state.is_billing_managed(org) else "admin",
        "seat_limit": org.seat_limit,
        "subscription": _subscription_json(overview.subscription),
        "stripe_capacity": overview.stripe_capacity,
        "scheduled_changes": [change_json(c) for c in overview.scheduled],
        "last_sync": _sync_json(overview.known),
        "sync_failure": overview.sync_failure,
    }
    if overview.stripe_error is not None:
        error = overview.stripe_error
        code = "billing_rejected" if isinstance(error, BillingRejected) else "billing_unavailable"
        answer["stripe_error"] = {"error": code, "detail": str(error)}
    return web.json_response(answer)


@routes.put("/orgs/{org_id}/billing/seats")
@documented(
    summary="Change the seat count on Stripe, then in seatgate",
    tag="Billing",
    security="admin",
    body=SeatCount,
    errors={
        404: "no such organization",
        409: "fewer seats than in use, or no subscription",
        502: "Stripe is unreachable",
        503: "billing is off (billing_disabled), or the database is unavailable",
    },
)
async def put_seats(request: web.Request) -> web.Response:
    """Set the seat count on Stripe, then in seatgate. More seats apply now (prorated); fewer
    at the period end (scheduled, admins warned). Stripe refusing or unreachable: 422/502 and
    nothing changed in seatgate."""
    billing = billing_of(request)
    seats = (await read_body(request, SeatCount)).seats
    with billing_errors("change the seats"):
        change = await service.change_seats(
            request.config_dict[DATABASE], billing, request.match_info["org_id"], seats
        )
    push = change.push
    return web.json_response(
        {
            "org_id": change.org.id,
            "seats": seats,
            "seat_limit": change.org.seat_limit,
            "effective": push.effective if push else "now",
            "stripe": None
            if push is None
            else {
                "subscription_id": push.subscription_id,
                "item_id": push.item_id,
                "quantity": push.quantity,
            },
            "scheduled_changes": [change_json(c) for c in change.scheduled],
        }
    )


@routes.post("/orgs/{org_id}/billing/attach")
@documented(
    summary="Attach an owner's held purchase to an existing organization",
    tag="Billing",
    security="admin",
    body=Attachment,
    errors={
        404: "no such organization or held purchase",
        409: "the org already has a subscription",
        503: "billing is off (billing_disabled), or the database is unavailable",
    },
)
async def attach(request: web.Request) -> web.Response:
    billing = billing_of(request)
    email = (await read_body(request, Attachment)).owner_email
    attached = await purchases.attach_held_purchase(
        request.config_dict[DATABASE], billing, request.match_info["org_id"], email
    )
    return web.json_response(
        {
            "org_id": attached.org.id,
            "subscription_id": attached.org.stripe_subscription_id,
            "seat_limit": attached.org.seat_limit,
            "synced": attached.synced,
        }
    )


def _checkout(request: web.Request, body: CheckoutRequest) -> Checkout:
    return Checkout(
        seats=body.seats,
        interval=body.interval,
        success_url=body.success_url,
        cancel_url=body.cancel_url,
        client_key=request.headers.get("Idempotency-Key", "").strip()[:100] or None,
    )


def _subscription_json(snapshot: SubscriptionSnapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "id": snapshot.id,
        "customer_id": snapshot.customer_id,
        "status": snapshot.status,
        "org_id": snapshot.org_id,
        "current_period_end": _iso(snapshot.current_period_end),
        "cancel_at_period_end": snapshot.cancel_at_period_end,
        "items": [
            {
                "id": item.id,
                "price_id": item.price_id,
                "quantity": item.quantity,
                "seat_role": item.seat_role.value if item.seat_role else None,
                "included_seats": item.included_seats,
                "paid_quantity": item.paid_quantity,
                "paid_until": _iso(item.paid_until),
            }
            for item in snapshot.items
        ],
    }


def _sync_json(known: state.BillingState | None) -> dict[str, Any] | None:
    if known is None or known.synced_at is None:
        return None
    return {
        "at": known.synced_at.isoformat(),
        "subscription_id": known.subscription_id,
        "subscription_status": known.subscription_status,
        "stripe_capacity": known.stripe_capacity,
        "capacity_version": known.capacity_version,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
