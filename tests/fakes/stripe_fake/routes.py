"""The HTTP surface, part one: shared helpers, products, prices, customers, events, invoices.

Handlers stay thin: read and type the form parameters, call catalog / subscriptions /
lifecycle, and answer the rendered (and `expand[]`-ed) object. Subscriptions, items and
checkout are in `billing_routes`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from aiohttp import web

from tests.fakes.stripe_fake import catalog, subscriptions
from tests.fakes.stripe_fake.errors import invalid
from tests.fakes.stripe_fake.forms import (
    check_known,
    read_bool,
    read_enum,
    read_expand,
    read_int,
    read_str,
)
from tests.fakes.stripe_fake.store import Store

PARAMS_KEY = web.RequestKey("stripe_fake_params", dict)  # the parsed query + form parameters
STORE_KEY = web.AppKey("stripe_fake_store", Store)

routes = web.RouteTableDef()


def ctx(request: web.Request) -> tuple[Store, dict[str, Any]]:
    return request.app[STORE_KEY], request[PARAMS_KEY]


def answer(store: Store, params: dict[str, Any], record: dict[str, Any]) -> web.Response:
    return web.json_response(store.expand(store.render(record), read_expand(params)))


def metadata_param(params: dict[str, Any], key: str = "metadata") -> dict[str, str] | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("Invalid object", param=key)
    return {k: v for k, v in value.items() if v != ""}


def proration_param(params: dict[str, Any]) -> str:
    behavior = read_enum(params, "proration_behavior", subscriptions.PRORATION_BEHAVIORS)
    return behavior or "create_prorations"


# -- products, prices, customers ----------------------------------------------------------------


@routes.post("/v1/products")
async def create_product(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"name", "metadata", "id", "active", "description"})
    record = catalog.create_product(
        store,
        name=read_str(p, "name"),
        metadata=metadata_param(p),
        id=read_str(p, "id"),
        active=read_bool(p, "active") is not False,
    )
    return answer(store, p, record)


@routes.get("/v1/products/{id}")
async def get_product(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("products", request.match_info["id"]))


@routes.post("/v1/prices")
async def create_price(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(
        p,
        {
            "product",
            "currency",
            "unit_amount",
            "recurring",
            "billing_scheme",
            "tiers_mode",
            "tiers",
            "metadata",
            "lookup_key",
            "nickname",
            "transfer_lookup_key",
            "active",
        },
    )
    recurring = p.get("recurring") or {}
    check_known(recurring, {"interval", "interval_count", "usage_type"}, "recurring")
    tiers = []
    for n, tier in enumerate(p.get("tiers") or []):
        up_to = (
            None
            if tier.get("up_to") == "inf"
            else read_int(tier, "up_to", param=f"tiers[{n}][up_to]")
        )
        tiers.append((up_to, read_int(tier, "unit_amount"), read_int(tier, "flat_amount")))
    record = catalog.create_price(
        store,
        product_id=read_str(p, "product"),
        currency=read_str(p, "currency"),
        unit_amount=read_int(p, "unit_amount"),
        interval=read_str(recurring, "interval"),
        interval_count=read_int(recurring, "interval_count", param="recurring[interval_count]")
        or 1,
        billing_scheme=read_str(p, "billing_scheme") or "per_unit",
        tiers_mode=read_str(p, "tiers_mode"),
        tiers=tiers or None,
        metadata=metadata_param(p),
        lookup_key=read_str(p, "lookup_key"),
        nickname=read_str(p, "nickname"),
        transfer_lookup_key=bool(read_bool(p, "transfer_lookup_key")),
    )
    return answer(store, p, record)


@routes.get("/v1/prices/{id}")
async def get_price(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("prices", request.match_info["id"]))


@routes.get("/v1/prices")
async def list_prices(request: web.Request) -> web.Response:
    store, p = ctx(request)
    prices = list(store.prices.values())
    if product := p.get("product"):
        prices = [x for x in prices if x["product"] == product]
    if lookup_keys := p.get("lookup_keys"):
        prices = [x for x in prices if x["lookup_key"] in lookup_keys]
    page = store.page(prices, p, "/v1/prices")
    return web.json_response(store.expand(page, read_expand(p)))


@routes.post("/v1/customers")
async def create_customer(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"email", "name", "metadata", "description"})
    record = catalog.create_customer(
        store, email=read_str(p, "email"), name=read_str(p, "name"), metadata=metadata_param(p)
    )
    return answer(store, p, record)


@routes.get("/v1/customers/search")
async def search_customers(request: web.Request) -> web.Response:
    store, p = ctx(request)
    result = store.search(
        list(store.customers.values()), p, "/v1/customers/search", {"email", "name"}
    )
    return web.json_response(store.expand(result, read_expand(p)))


@routes.get("/v1/customers/{id}")
async def get_customer(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("customers", request.match_info["id"]))


@routes.post("/v1/customers/{id}")
async def update_customer(request: web.Request) -> web.Response:
    store, p = ctx(request)
    check_known(p, {"email", "name", "metadata", "description"})
    record = catalog.update_customer(
        store,
        request.match_info["id"],
        email=read_str(p, "email"),
        name=read_str(p, "name"),
        metadata=p.get("metadata"),
    )
    return answer(store, p, record)


# -- events and invoices ---------------------------------------------------------------------


@routes.get("/v1/events/{id}")
async def get_event(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    return web.json_response(store.render(store.get("events", request.match_info["id"])))


@routes.get("/v1/events")
async def list_events(request: web.Request) -> web.Response:
    store, p = ctx(request)
    events = list(store.events.values())
    types = p.get("types") or ([p["type"]] if "type" in p else None)
    if types:
        # `type` accepts wildcards such as `customer.subscription.*`.
        events = [e for e in events if any(fnmatchcase(e["type"], t) for t in types)]
    page = store.page(events, p, "/v1/events")
    return web.json_response(page)


@routes.get("/v1/invoices/{id}")
async def get_invoice(request: web.Request) -> web.Response:
    store, p = ctx(request)
    return answer(store, p, store.get("invoices", request.match_info["id"]))
