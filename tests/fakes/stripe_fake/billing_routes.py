"""The HTTP surface, part two: subscriptions, subscription items and checkout sessions."""

from __future__ import annotations

from aiohttp import web

from tests.fakes.stripe_fake import lifecycle, subscriptions
from tests.fakes.stripe_fake.errors import missing
from tests.fakes.stripe_fake.forms import check_known, read_bool, read_expand, read_int, read_str
from tests.fakes.stripe_fake.routes import answer, ctx, metadata_param, proration_param

routes = web.RouteTableDef()

# -- subscriptions and items ------------------------------------------------------------------


@routes.post("/v1/subscriptions")
async def create_subscription(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(
        p,
        {
            "customer",
            "items",
            "metadata",
            "trial_period_days",
            "cancel_at_period_end",
            "proration_behavior",
            "payment_behavior",
            "collection_method",
        },
    )
    customer = read_str(p, "customer")
    if customer is None:
        raise missing("customer")
    specs = []
    for n, item in enumerate(p.get("items") or []):
        check_known(item, {"price", "quantity", "metadata"}, f"items[{n}]")
        price = read_str(item, "price")
        if price is None:
            raise missing(f"items[{n}][price]")
        quantity = read_int(item, "quantity", param=f"items[{n}][quantity]")
        specs.append(
            subscriptions.ItemSpec(
                price, 1 if quantity is None else quantity, metadata_param(item) or {}
            )
        )
    record = subscriptions.create_subscription(
        store,
        customer_id=customer,
        items=specs,
        metadata=metadata_param(p),
        trial_period_days=read_int(p, "trial_period_days"),
        cancel_at_period_end=bool(read_bool(p, "cancel_at_period_end")),
    )
    return answer(store, p, record)


@routes.get("/v1/subscriptions/search")
async def search_subscriptions(request: web.Request) -> web.Response:
    store, p = ctx(request)
    result = store.search(
        list(store.subscriptions.values()), p, "/v1/subscriptions/search", {"status", "customer"}
    )
    return web.json_response(store.expand(result, read_expand(p)))


@routes.get("/v1/subscriptions")
async def list_subscriptions(request: web.Request) -> web.Response:
    store, p = ctx(request)
    subs = list(store.subscriptions.values())
    status = p.get("status")
    # Stripe leaves canceled subscriptions out unless asked for them (or for `all`).
    if status is None:
        subs = [s for s in subs if s["status"] != "canceled"]
    elif status != "all":
        subs = [s for s in subs if s["status"] == status]
    if customer := p.get("customer"):
        subs = [s for s in subs if s["customer"] == customer]
    if price := p.get("price"):
        subs = [s for s in subs if any(i["price"] == price for i in store.items_of(s["id"]))]
    page = store.page(subs, p, "/v1/subscriptions")
    return web.json_response(store.expand(page, read_expand(p)))


@routes.get("/v1/subscriptions/{id}")
async def get_subscription(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("subscriptions", request.match_info["id"]))


@routes.post("/v1/subscriptions/{id}")
async def update_subscription(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"metadata", "cancel_at_period_end", "proration_behavior"})
    record = subscriptions.update_subscription(
        store,
        request.match_info["id"],
        metadata=p.get("metadata"),
        cancel_at_period_end=read_bool(p, "cancel_at_period_end"),
    )
    return answer(store, p, record)


@routes.delete("/v1/subscriptions/{id}")
async def cancel_subscription(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"invoice_now", "prorate", "cancellation_details"})
    return answer(store, p, subscriptions.cancel_subscription(store, request.match_info["id"]))


@routes.post("/v1/subscription_items")
async def create_item(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(
        p,
        {"subscription", "price", "quantity", "metadata", "proration_behavior", "payment_behavior"},
    )
    subscription, price = read_str(p, "subscription"), read_str(p, "price")
    if subscription is None:
        raise missing("subscription")
    if price is None:
        raise missing("price")
    quantity = read_int(p, "quantity")
    record = subscriptions.add_item(
        store,
        subscription,
        price_id=price,
        quantity=1 if quantity is None else quantity,
        metadata=metadata_param(p),
        proration_behavior=proration_param(p),
    )
    return answer(store, p, record)


@routes.get("/v1/subscription_items")
async def list_items(request: web.Request) -> web.Response:
    store, p = ctx(request)
    subscription = read_str(p, "subscription")
    if subscription is None:
        raise missing("subscription")
    url = f"/v1/subscription_items?subscription={subscription}"
    # Items list oldest first on Stripe; `page` reverses, so hand it the reversed order.
    page = store.page(list(reversed(store.items_of(subscription))), p, url)
    return web.json_response(store.expand(page, read_expand(p)))


@routes.get("/v1/subscription_items/{id}")
async def get_item(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("items", request.match_info["id"]))


@routes.post("/v1/subscription_items/{id}")
async def update_item(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(
        p,
        {
            "quantity",
            "price",
            "metadata",
            "proration_behavior",
            "proration_date",
            "payment_behavior",
        },
    )
    record = subscriptions.update_item(
        store,
        request.match_info["id"],
        quantity=read_int(p, "quantity"),
        price_id=read_str(p, "price"),
        metadata=p.get("metadata"),
        proration_behavior=proration_param(p),
    )
    return answer(store, p, record)


@routes.delete("/v1/subscription_items/{id}")
async def delete_item(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"proration_behavior", "clear_usage", "proration_date"})
    deleted = subscriptions.delete_item(
        store, request.match_info["id"], proration_behavior=proration_param(p)
    )
    return web.json_response(deleted)


# -- checkout ---------------------------------------------------------------------------------


@routes.post("/v1/checkout/sessions")
async def create_checkout_session(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(
        p,
        {
            "mode",
            "line_items",
            "customer",
            "customer_email",
            "metadata",
            "subscription_data",
            "success_url",
            "cancel_url",
            "client_reference_id",
            "allow_promotion_codes",
        },
    )
    lines = []
    for n, line in enumerate(p.get("line_items") or []):
        check_known(line, {"price", "quantity"}, f"line_items[{n}]")
        price = read_str(line, "price")
        if price is None:
            raise missing(f"line_items[{n}][price]")
        quantity = read_int(line, "quantity", param=f"line_items[{n}][quantity]")
        lines.append((price, 1 if quantity is None else quantity))
    sub_data = p.get("subscription_data") or {}
    check_known(sub_data, {"metadata", "trial_period_days", "description"}, "subscription_data")
    record = lifecycle.create_checkout_session(
        store,
        mode=read_str(p, "mode"),
        line_items=lines,
        customer_id=read_str(p, "customer"),
        customer_email=read_str(p, "customer_email"),
        metadata=metadata_param(p),
        subscription_metadata=metadata_param(sub_data),
        trial_period_days=read_int(sub_data, "trial_period_days"),
        success_url=read_str(p, "success_url"),
        cancel_url=read_str(p, "cancel_url"),
        client_reference_id=read_str(p, "client_reference_id"),
    )
    return answer(store, p, record)


@routes.get("/v1/checkout/sessions/{id}")
async def get_checkout_session(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("sessions", request.match_info["id"]))
