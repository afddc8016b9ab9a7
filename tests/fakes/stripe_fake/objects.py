"""Stripe-shaped records: ids, billing periods, amounts and the wire form of each object.

Records are stored as plain dicts already in wire shape, except that a subscription item keeps
its price as an id and a subscription keeps no `items` (both are assembled by `Store.render`).
Fields are those of the API version the SDK pins (current_period_* live on subscription items,
invoices name their subscription under `parent.subscription_details`).
"""

from __future__ import annotations

import calendar
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any

API_VERSION = "2026-10-28.endive"
EMBEDDED_LIST_LIMIT = 10  # Stripe embeds at most 10 entries of a sub-list, with has_more

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_1{''.join(secrets.choice(_ALPHABET) for _ in range(length - 1))}"


def add_interval(anchor: int, interval: str, count: int) -> int:
    """`anchor` moved by `count` intervals; months clamp to the month's last day as Stripe does."""
    start = datetime.fromtimestamp(anchor, UTC)
    if interval == "day":
        return int((start + timedelta(days=count)).timestamp())
    if interval == "week":
        return int((start + timedelta(weeks=count)).timestamp())
    months = count * (12 if interval == "year" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def period_containing(anchor: int, recurring: dict[str, Any], now: int) -> tuple[int, int]:
    """The billing period (start, end) that contains `now`, counted from the cycle anchor."""
    interval, count = recurring["interval"], recurring["interval_count"]
    n = 0
    start = anchor
    while True:
        end = add_interval(anchor, interval, count * (n + 1))
        if end > now:
            return start, end
        start, n = end, n + 1


def amount_for(price: dict[str, Any], quantity: int) -> int:
    """What `quantity` units cost for one period (per-unit, or tiered graduated / volume)."""
    if price["billing_scheme"] == "per_unit":
        return (price["unit_amount"] or 0) * quantity
    tiers = price["tiers"]
    if price["tiers_mode"] == "volume":
        tier = next(t for t in tiers if t["up_to"] is None or quantity <= t["up_to"])
        return (tier["unit_amount"] or 0) * quantity + (tier["flat_amount"] or 0)
    total, below = 0, 0
    for tier in tiers:
        upper = tier["up_to"] if tier["up_to"] is not None else quantity
        units = max(0, min(quantity, upper) - below)
        if units:
            total += units * (tier["unit_amount"] or 0) + (tier["flat_amount"] or 0)
        below = upper
        if quantity <= upper:
            break
    return total


def product(
    *, id: str | None, name: str, metadata: dict[str, str], now: int, active: bool = True
) -> dict[str, Any]:
    return {
        "id": id or new_id("prod", 14),
        "object": "product",
        "active": active,
        "created": now,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata,
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "unit_label": None,
        "updated": now,
        "url": None,
    }


def price(
    *,
    product_id: str,
    currency: str,
    unit_amount: int | None,
    recurring: dict[str, Any] | None,
    billing_scheme: str,
    tiers_mode: str | None,
    tiers: list[dict[str, Any]] | None,
    metadata: dict[str, str],
    lookup_key: str | None,
    nickname: str | None,
    now: int,
) -> dict[str, Any]:
    return {
        "id": new_id("price"),
        "object": "price",
        "active": True,
        "billing_scheme": billing_scheme,
        "created": now,
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata,
        "nickname": nickname,
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": "unspecified",
        # `tiers` is includable: stored here, rendered only when expanded (as on Stripe).
        "tiers": tiers,
        "tiers_mode": tiers_mode,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
    }


def tier(up_to: int | None, unit_amount: int | None, flat_amount: int | None) -> dict[str, Any]:
    return {
        "flat_amount": flat_amount,
        "flat_amount_decimal": None if flat_amount is None else str(flat_amount),
        "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
        "up_to": up_to,
    }


def plan_from_price(p: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` Stripe still mirrors on subscription items."""
    recurring = p["recurring"] or {}
    return {
        "id": p["id"],
        "object": "plan",
        "active": p["active"],
        "amount": p["unit_amount"],
        "amount_decimal": p["unit_amount_decimal"],
        "billing_scheme": p["billing_scheme"],
        "created": p["created"],
        "currency": p["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": dict(p["metadata"]),
        "meter": None,
        "nickname": p["nickname"],
        "product": p["product"],
        "tiers_mode": p["tiers_mode"],
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def customer(
    *, email: str | None, name: str | None, metadata: dict[str, str], now: int
) -> dict[str, Any]:
    return {
        "id": new_id("cus", 14),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": email,
        "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata,
        "name": name,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def subscription(
    *, customer_id: str, currency: str, metadata: dict[str, str], now: int, trial_end: int | None
) -> dict[str, Any]:
    return {
        "id": new_id("sub"),
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic", "updated_at": None},
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer_id,
        "days_until_due": None,
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "latest_invoice": None,
        "livemode": False,
        "metadata": metadata,
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": None,
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "status": "trialing" if trial_end else "active",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": now if trial_end else None,
    }


def subscription_item(
    *,
    subscription_id: str,
    price_id: str,
    quantity: int,
    metadata: dict[str, str],
    period: tuple[int, int],
    now: int,
) -> dict[str, Any]:
    return {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": now,
        "current_period_end": period[1],
        "current_period_start": period[0],
        "discounts": [],
        "metadata": metadata,
        "price": price_id,  # rendered as the full Price object (its product stays an id)
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": [],
    }


def invoice(
    *,
    sub: dict[str, Any],
    amount: int,
    period: tuple[int, int],
    billing_reason: str,
    paid: bool,
    now: int,
) -> dict[str, Any]:
    return {
        "id": new_id("in"),
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount if paid else 0,
        "amount_remaining": 0 if paid else amount,
        "attempt_count": 1,
        "attempted": True,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": sub["currency"],
        "customer": sub["customer"],
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None if paid else now + 3 * 86400,
        "parent": {
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(sub["metadata"]),
                "subscription": sub["id"],
            },
            "type": "subscription_details",
        },
        "period_end": period[1],
        "period_start": period[0],
        "status": "paid" if paid else "open",
        "total": amount,
    }


def checkout_session(
    *,
    customer_id: str | None,
    customer_email: str | None,
    metadata: dict[str, str],
    subscription_data: dict[str, Any],
    line_items: list[dict[str, Any]],
    success_url: str | None,
    cancel_url: str | None,
    client_reference_id: str | None,
    currency: str,
    amount: int,
    now: int,
) -> dict[str, Any]:
    session_id = new_id("cs_test", 58)
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "created": now,
        "currency": currency,
        "customer": customer_id,
        "customer_creation": None,
        "customer_details": None,
        "customer_email": customer_email,
        "expires_at": now + 86400,
        "invoice": None,
        "livemode": False,
        "metadata": metadata,
        "mode": "subscription",
        "payment_status": "unpaid",
        "status": "open",
        "subscription": None,
        "success_url": success_url,
        "ui_mode": "hosted",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        # Includable (rendered only when expanded) and fake-internal fields:
        "line_items": line_items,
        "_subscription_data": subscription_data,
    }


def event(
    *,
    type: str,
    obj: dict[str, Any],
    previous: dict[str, Any] | None,
    request: dict[str, Any],
    now: int,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": request,
        "type": type,
    }
