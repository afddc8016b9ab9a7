"""Admin endpoints for billing (docs/billing.md "Admin API"):

- `POST /orgs/{id}/billing/checkout` and `POST /billing/owner-checkout`: a hosted Checkout for a
  number of seats at a billing interval, for an org or for the owner of an org not created yet;
- `GET /orgs/{id}/billing`: the subscription as Stripe has it now, and the last sync;
- `PUT /orgs/{id}/billing/seats`: change the seat count on Stripe, synchronously;
- `POST /orgs/{id}/billing/attach`: attach an owner's held purchase to an existing org.

With billing off, each answers 503 `billing_disabled`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from gateway.admin.seats import change_json
from gateway.billing import service
from gateway.billing.errors import billing_errors
from gateway.billing.org_hooks import attach_now
from gateway.billing.wiring import Billing, billing_of
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE
from seats import alerts, capacity
from seats.alerts import AlertKind
from seats.billing import (
    COUNTING_STATUSES,
    BillingError,
    BillingRejected,
    CheckoutLine,
    SubscriptionSnapshot,
    state,
)
from seats.billing import owner as owner_purchases
from seats.orgs import get_org, validate_seat_number

routes = web.RouteTableDef()

# Prices are found by lookup key: set these on the recurring per-seat prices in Stripe.
PRICE_LOOKUP_KEYS = {
    "month": "seatgate_seat_monthly",
    "six_months": "seatgate_seat_six_months",
    "year": "seatgate_seat_yearly",
}


@routes.post("/orgs/{org_id}/billing/checkout")
async def org_checkout(request: web.Request) -> web.Response:
    billing = billing_of(request)
    org_id = request.match_info["org_id"]
    body = await read_json_object(request)
    seats, price_key, success_url, cancel_url = _checkout_fields(body, set())
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        known = await state.get_state(conn, org_id)
    if org.stripe_subscription_id and known and known.subscription_status in COUNTING_STATUSES:
        raise state.AlreadySubscribed(
            f"organization {org_id} already pays through subscription "
            f"{org.stripe_subscription_id}; change its seats with "
            f"PUT /admin/v1/orgs/{org_id}/billing/seats"
        )
    with billing_errors("start the checkout"):
        session = await billing.port.create_checkout_session(
            lines=[CheckoutLine(await _price_id(billing, price_key), seats)],
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=_checkout_key(request, f"org:{org_id}"),
            org_id=org_id,
            customer_id=org.stripe_customer_id,
        )
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.post("/billing/owner-checkout")
async def owner_checkout(request: web.Request) -> web.Response:
    """A purchase before the org exists: held for `owner_email` until the org is created with
    that `owner_email` (POST /orgs) or attached (POST /orgs/{id}/billing/attach)."""
    billing = billing_of(request)
    body = await read_json_object(request)
    seats, price_key, success_url, cancel_url = _checkout_fields(body, {"owner_email"})
    email = owner_purchases.validate_owner_email(body.get("owner_email"))
    with billing_errors("start the checkout"):
        session = await billing.port.create_checkout_session(
            lines=[CheckoutLine(await _price_id(billing, price_key), seats)],
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=_checkout_key(request, f"owner:{owner_purchases.email_key(email)}"),
            owner_email=email,
        )
    return web.json_response({"id": session.id, "url": session.url}, status=201)


@routes.get("/orgs/{org_id}/billing")
async def get_billing(request: web.Request) -> web.Response:
    billing = billing_of(request)
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        org = await get_org(conn, org_id)
        known = await state.get_state(conn, org_id)
        scheduled = await capacity.list_scheduled(conn, org_id)
        failing = await alerts.find_open(conn, org_id, AlertKind.BILLING_SYNC_FAILED)
    answer: dict[str, Any] = {
        "org_id": org_id,
        "managed_by": "billing" if state.is_billing_managed(org) else "admin",
        "seat_limit": org.seat_limit,
        "subscription": None,
        "stripe_capacity": None,
        "scheduled_changes": [change_json(c) for c in scheduled],
        "last_sync": _sync_json(known),
        "sync_failure": failing.details if failing else None,
    }
    if org.stripe_subscription_id:
        try:
            snapshot = await billing.port.fetch_subscription(org.stripe_subscription_id)
        except BillingError as exc:
            # Still worth answering: the gateway's side is known without Stripe.
            code = "billing_rejected" if isinstance(exc, BillingRejected) else "billing_unavailable"
            answer["stripe_error"] = {"error": code, "detail": str(exc)}
        else:
            answer["subscription"] = _subscription_json(snapshot)
            answer["stripe_capacity"] = billing.rules.capacity(snapshot, billing.clock())
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
    org_id = request.match_info["org_id"]
    body = await read_json_object(request)
    if set(body) != {"owner_email"}:
        raise ApiError(422, "invalid_value", 'send {"owner_email": <the buyer\'s email>}')
    email = owner_purchases.validate_owner_email(body["owner_email"])
    database = request.config_dict[DATABASE]
    async with database.read() as conn:
        org = await get_org(conn, org_id)
        known = await state.get_state(conn, org_id)
    if org.stripe_subscription_id and known and known.subscription_status in COUNTING_STATUSES:
        raise state.AlreadySubscribed(
            f"organization {org_id} already pays through subscription {org.stripe_subscription_id}"
        )
    held = await service.claim_purchase(database, org_id, email)
    if held is None:
        raise ApiError(404, "not_found", f"no purchase is held for {email}")
    synced = await attach_now(database, billing, org_id, held)
    async with database.read() as conn:
        org = await get_org(conn, org_id)
    return web.json_response(
        {
            "org_id": org_id,
            "subscription_id": org.stripe_subscription_id,
            "seat_limit": org.seat_limit,
            "synced": synced,
        }
    )


def _checkout_fields(body: dict[str, Any], extra: set[str]) -> tuple[int, str, str, str]:
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
    return body["seats"], PRICE_LOOKUP_KEYS[interval], urls[0], urls[1]


async def _price_id(billing: Billing, lookup_key: str) -> str:
    found = await billing.port.find_price_ids([lookup_key])
    if lookup_key not in found:
        raise ApiError(
            409,
            "price_not_configured",
            f"no active Stripe price has the lookup key {lookup_key}; create a recurring "
            "per-seat price with that lookup key (metadata seatgate_seat_role=per_seat)",
        )
    return found[lookup_key]


def _checkout_key(request: web.Request, scope: str) -> str:
    # A client retrying with the same Idempotency-Key gets the same session back; without one,
    # each request is a new session (an abandoned one simply expires on Stripe).
    client_key = request.headers.get("Idempotency-Key", "").strip()[:100]
    return f"seatgate:{scope}:checkout:{client_key or uuid.uuid4()}"


def _subscription_json(snapshot: SubscriptionSnapshot) -> dict[str, Any]:
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
