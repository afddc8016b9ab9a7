"""Invoice previews (`POST /v1/invoices/create_preview`) and customer portal sessions
(`POST /v1/billing_portal/sessions`).

A preview is the subscription's upcoming invoice, computed from the fake's prices and
quantities: with `subscription_details[items]` changing a quantity and prorations on, the
change's two proration lines for the rest of the current period ("Unused time on ..." credited,
"Remaining time on ..." charged, as Stripe draws them), then every item's charge for the next
period at its quantity after the change. Nothing is stored: a preview is not an invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.stripe_fake import objects, subscriptions
from tests.fakes.stripe_fake.errors import invalid, missing
from tests.fakes.stripe_fake.forms import check_known, read_int, read_str
from tests.fakes.stripe_fake.routes import ctx
from tests.fakes.stripe_fake.store import Store

Record = dict[str, Any]

routes = web.RouteTableDef()


@routes.post("/v1/invoices/create_preview")
async def create_preview(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"customer", "subscription", "subscription_details", "automatic_tax"})
    subscription = read_str(p, "subscription")
    if subscription is None:
        raise missing("subscription")
    details = p.get("subscription_details") or {}
    check_known(details, {"items", "proration_behavior", "proration_date"}, "subscription_details")
    changes = {}
    for n, item in enumerate(details.get("items") or []):
        param = f"subscription_details[items][{n}]"
        check_known(item, {"id", "quantity"}, param)
        item_id = read_str(item, "id")
        if item_id is None:
            raise missing(f"{param}[id]")
        quantity = read_int(item, "quantity", param=f"{param}[quantity]")
        if quantity is not None:
            changes[item_id] = quantity
    behavior = read_str(details, "proration_behavior") or "create_prorations"
    if behavior not in subscriptions.PRORATION_BEHAVIORS:
        raise invalid(
            "Invalid proration_behavior", param="subscription_details[proration_behavior]"
        )
    preview = preview_invoice(
        store,
        subscription,
        changes=changes,
        prorate=behavior != "none",
        proration_date=read_int(details, "proration_date") or store.now,
    )
    return web.json_response(preview)


@routes.post("/v1/billing_portal/sessions")
async def create_portal_session(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"customer", "return_url", "configuration", "locale", "flow_data"})
    customer = read_str(p, "customer")
    if customer is None:
        raise missing("customer")
    store.get("customers", customer, param="customer")
    session_id = objects.new_id("bps")
    return web.json_response(
        {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": "bpc_1FakeDefaultConfiguration",
            "created": store.now,
            "customer": customer,
            "flow": None,
            "livemode": False,
            "locale": read_str(p, "locale"),
            "on_behalf_of": None,
            "return_url": read_str(p, "return_url"),
            "url": f"https://billing.stripe.com/p/session/test_{session_id}",
        }
    )


def preview_invoice(
    store: Store,
    subscription_id: str,
    *,
    changes: Mapping[str, int],
    prorate: bool,
    proration_date: int,
) -> Record:
    sub = store.get("subscriptions", subscription_id, param="subscription")
    if sub["status"] in ("canceled", "incomplete_expired") or sub["cancel_at_period_end"]:
        raise invalid(
            "No upcoming invoices for customer: the subscription ends with its period.",
            code="invoice_upcoming_none",
        )
    items = store.items_of(subscription_id)
    for item_id in changes:
        if not any(i["id"] == item_id for i in items):
            raise invalid(
                f"No such subscription item on {subscription_id}: '{item_id}'",
                param="subscription_details[items][0][id]",
            )
    lines: list[Record] = []
    for item in items:
        new = changes.get(item["id"], item["quantity"])
        if prorate and new != item["quantity"]:
            lines += _proration_lines(store, sub, item, new, proration_date)
    end = subscriptions.period_end(store, sub)
    for item in items:
        price = store.prices[item["price"]]
        quantity = changes.get(item["id"], item["quantity"])
        recurring = price["recurring"]
        next_end = objects.add_interval(end, recurring["interval"], recurring["interval_count"])
        lines.append(
            _line(
                sub,
                item,
                amount=objects.amount_for(price, quantity),
                quantity=quantity,
                description=f"{quantity} \u00d7 {_product_name(store, price)}",
                period=(end, next_end),
                proration=False,
            )
        )
    amount = sum(line["amount"] for line in lines)
    invoice = objects.invoice(
        sub=sub,
        amount=max(amount, 0),
        period=(min(i["current_period_start"] for i in items), end),
        billing_reason="upcoming",
        paid=False,
        now=store.now,
    )
    invoice.update(
        id=objects.new_id("upcoming_in"),
        status="draft",
        attempted=False,
        attempt_count=0,
        amount_remaining=max(amount, 0),
        next_payment_attempt=end,
        subtotal=amount,
        total=amount,
        lines={
            "object": "list",
            "data": lines,
            "has_more": False,
            "total_count": len(lines),
            "url": "/v1/invoices/upcoming/lines",
        },
    )
    return invoice


def _proration_lines(store: Store, sub: Record, item: Record, new: int, at: int) -> list[Record]:
    price = store.prices[item["price"]]
    start, end = item["current_period_start"], item["current_period_end"]
    remaining = max(0, end - at) / max(1, end - start)
    old = item["quantity"]
    # Rounded so the two lines add up to what subscriptions._prorate records for the update.
    unused = -round(objects.amount_for(price, old) * remaining)
    delta = objects.amount_for(price, new) - objects.amount_for(price, old)
    since = datetime.fromtimestamp(at, UTC).strftime("%d %b %Y")
    name = _product_name(store, price)
    return [
        _line(
            sub,
            item,
            amount=unused,
            quantity=old,
            description=f"Unused time on {old} \u00d7 {name} after {since}",
            period=(at, end),
            proration=True,
        ),
        _line(
            sub,
            item,
            amount=round(delta * remaining) - unused,
            quantity=new,
            description=f"Remaining time on {new} \u00d7 {name} after {since}",
            period=(at, end),
            proration=True,
        ),
    ]


def _line(
    sub: Record,
    item: Record,
    *,
    amount: int,
    quantity: int,
    description: str,
    period: tuple[int, int],
    proration: bool,
) -> Record:
    return {
        "id": objects.new_id("il_tmp"),
        "object": "line_item",
        "amount": amount,
        "currency": sub["currency"],
        "description": description,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"],
            },
        },
        "period": {"start": period[0], "end": period[1]},
        "pricing": {
            "type": "price_details",
            "price_details": {"price": item["price"], "product": None},
            "unit_amount_decimal": None,
        },
        "quantity": quantity,
    }


def _product_name(store: Store, price: Record) -> str:
    product = store.products.get(price["product"])
    return product["name"] if product else price["id"]
