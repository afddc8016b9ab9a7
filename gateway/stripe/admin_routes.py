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
from urllib.parse import urlparse

from aiohttp import web

from gateway.admin.seats import change_json
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE
from gateway.stripe.errors import billing_errors
from gateway.stripe.settings import billing_of
from seats.billing import BillingRejected, SubscriptionSnapshot, purchases, service, state
from seats.billing.owner import validate_owner_email
from seats.billing.purchases import PRICE_LOOKUP_KEYS, Checkout
from seats.orgs import validate_seat_number

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/billing/checkout")
async def org_checkout(request: web.Request) -> web.Response:
    billing = billing_of(request)
    checkout = _checkout(request, await read_json_object(request), set())
    with billing_errors("start the checkout"):
        session = await purchases.start_org_checkout(
            request.config_dict[DATABASE], billing, request.match_info["org_id"], checkout
        )
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.post("/billing/owner-checkout")
async def owner_checkout(request: web.Request) -> web.Response:
    """A purchase before the org exists: held for `owner_email` until the org is created with
    that `owner_email` (POST /orgs) or attached (POST /orgs/{id}/billing/attach)."""
    billing = billing_of(request)
    body = await read_json_object(request)
    checkout = _checkout(request, body, {"owner_email"})
    email = validate_owner_email(body.get("owner_email"))
    with billing_errors("start the checkout"):
        session = await purchases.start_owner_checkout(billing, email, checkout)
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.get("/orgs/{org_id}/billing")
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
async def put_seats(request: web.Request) -> web.Response:
    """Set the seat count on Stripe, then in seatgate. More seats apply now (prorated); fewer
    at the period end (scheduled, admins warned). Stripe refusing or unreachable: 422/502 and
    nothing changed in seatgate."""
    billing = billing_of(request)
    body = await read_json_object(request)
    if set(body) != {"seats"}:
        raise ApiError(422, "invalid_value", 'send {"seats": <whole number>}')
    validate_seat_number("seats", body["seats"], allow_null=False)
    with billing_errors("change the seats"):
        change = await service.change_seats(
            request.config_dict[DATABASE], billing, request.match_info["org_id"], body["seats"]
        )
    push = change.push
    return web.json_response(
        {
            "org_id": change.org.id,
            "seats": body["seats"],
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
async def attach(request: web.Request) -> web.Response:
    billing = billing_of(request)
    body = await read_json_object(request)
    if set(body) != {"owner_email"}:
        raise ApiError(422, "invalid_value", 'send {"owner_email": <the buyer\'s email>}')
    email = validate_owner_email(body["owner_email"])
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


def _checkout(request: web.Request, body: dict[str, Any], extra: set[str]) -> Checkout:
    allowed = {"seats", "interval", "success_url", "cancel_url", *extra}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(
            422,
            "unknown_field",
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )
    validate_seat_number("seats", body.get("seats"), allow_null=False, minimum=1)
    interval = body.get("interval", "month")
    if interval not in PRICE_LOOKUP_KEYS:
        raise ApiError(
            422, "invalid_value", f"interval must be one of: {', '.join(PRICE_LOOKUP_KEYS)}"
        )
    urls = []
    for name in ("success_url", "cancel_url"):
        value = body.get(name)
        parsed = urlparse(value) if isinstance(value, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ApiError(422, "invalid_value", f"{name} must be an http(s) URL")
        urls.append(value)
    return Checkout(
        seats=body["seats"],
        interval=interval,
        success_url=urls[0],
        cancel_url=urls[1],
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
