"""Subscriptions and subscription items: creation, quantity changes, cancellation, prorations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.stripe_fake import objects
from tests.fakes.stripe_fake.catalog import emit_if_changed
from tests.fakes.stripe_fake.errors import StripeError, invalid, missing
from tests.fakes.stripe_fake.forms import merge_metadata
from tests.fakes.stripe_fake.store import Store

Record = dict[str, Any]
PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete", "paused")


@dataclass(frozen=True)
class ItemSpec:
    price_id: str
    quantity: int = 1
    metadata: Mapping[str, str] = field(default_factory=dict)


def create_subscription(
    store: Store,
    *,
    customer_id: str,
    items: Sequence[ItemSpec],
    metadata: Mapping[str, str] | None = None,
    trial_period_days: int | None = None,
    cancel_at_period_end: bool = False,
) -> Record:
    store.get("customers", customer_id, param="customer")
    if not items:
        raise missing("items")
    prices = [
        _recurring_price(store, spec.price_id, f"items[{n}][price]") for n, spec in enumerate(items)
    ]
    _no_duplicate_prices([p["id"] for p in prices])
    trial_end = store.now + trial_period_days * 86400 if trial_period_days else None
    sub = objects.subscription(
        customer_id=customer_id,
        currency=prices[0]["currency"],
        metadata=dict(metadata or {}),
        now=store.now,
        trial_end=trial_end,
    )
    # After a trial the cycle is anchored at the trial's end, as on Stripe.
    sub["billing_cycle_anchor"] = trial_end or store.now
    sub["cancel_at_period_end"] = cancel_at_period_end
    store.subscriptions[sub["id"]] = sub
    for spec, price in zip(items, prices, strict=True):
        _attach_item(store, sub, price, spec.quantity, spec.metadata)
    store.emit("customer.subscription.created", store.render(sub))
    bill(store, sub, reason="subscription_create", paid=True)
    return sub


def update_subscription(
    store: Store,
    sub_id: str,
    *,
    metadata: Any = None,
    cancel_at_period_end: bool | None = None,
) -> Record:
    sub = store.get("subscriptions", sub_id)
    before = store.render(sub)
    if sub["status"] in ("canceled", "incomplete_expired") and cancel_at_period_end is not None:
        raise invalid(
            "A canceled subscription can only update its cancellation_details and metadata.",
            param="cancel_at_period_end",
        )
    if metadata is not None:
        merge_metadata(sub["metadata"], metadata)
    if cancel_at_period_end is not None:
        sub["cancel_at_period_end"] = cancel_at_period_end
        sub["cancel_at"] = period_end(store, sub) if cancel_at_period_end else None
        sub["canceled_at"] = store.now if cancel_at_period_end else None
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return sub


def cancel_subscription(store: Store, sub_id: str, *, at: int | None = None) -> Record:
    sub = store.get("subscriptions", sub_id)
    if sub["status"] == "canceled":
        raise invalid(
            f"A canceled subscription can't be canceled again: {sub_id}",
            code="subscription_canceled",
        )
    sub["status"] = "canceled"
    sub["canceled_at"] = sub["canceled_at"] or store.now
    sub["ended_at"] = at or store.now
    sub["cancellation_details"]["reason"] = "cancellation_requested"
    store.emit("customer.subscription.deleted", store.render(sub))
    return sub


def add_item(
    store: Store,
    sub_id: str,
    *,
    price_id: str,
    quantity: int = 1,
    metadata: Mapping[str, str] | None = None,
    proration_behavior: str = "create_prorations",
) -> Record:
    sub = _changeable(store, store.get("subscriptions", sub_id, param="subscription"))
    price = _recurring_price(store, price_id, "price")
    _no_duplicate_prices([i["price"] for i in store.items_of(sub_id)] + [price_id])
    before = store.render(sub)
    item = _attach_item(store, sub, price, quantity, metadata or {})
    _prorate(store, item, 0, quantity, proration_behavior)
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return item


def update_item(
    store: Store,
    item_id: str,
    *,
    quantity: int | None = None,
    price_id: str | None = None,
    metadata: Any = None,
    proration_behavior: str = "create_prorations",
) -> Record:
    item = store.get("items", item_id)
    sub = _changeable(store, store.subscriptions[item["subscription"]])
    before = store.render(sub)
    if price_id is not None and price_id != item["price"]:
        _recurring_price(store, price_id, "price")
        others = [i["price"] for i in store.items_of(sub["id"]) if i["id"] != item_id]
        _no_duplicate_prices([*others, price_id])
        item["price"] = price_id
    if quantity is not None and quantity != item["quantity"]:
        _prorate(store, item, item["quantity"], quantity, proration_behavior)
        item["quantity"] = quantity
    if metadata is not None:
        merge_metadata(item["metadata"], metadata)
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return item


def delete_item(store: Store, item_id: str, *, proration_behavior: str) -> Record:
    item = store.get("items", item_id)
    sub = _changeable(store, store.subscriptions[item["subscription"]])
    if len(store.items_of(sub["id"])) == 1:
        raise invalid(
            "A subscription must have at least one active plan. To cancel a subscription, "
            "please use the cancel API endpoint on /v1/subscriptions."
        )
    before = store.render(sub)
    _prorate(store, item, item["quantity"], 0, proration_behavior)
    del store.items[item_id]
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return {"id": item_id, "object": "subscription_item", "deleted": True}


def bill(store: Store, sub: Record, *, reason: str, paid: bool) -> Record:
    """Invoice the subscription's current period; paid or left open (payment failed)."""
    items = store.items_of(sub["id"])
    amount = sum(objects.amount_for(store.prices[i["price"]], i["quantity"]) for i in items)
    if sub["status"] == "trialing":
        amount = 0
    period = (min(i["current_period_start"] for i in items), period_end(store, sub))
    inv = objects.invoice(
        sub=sub, amount=amount, period=period, billing_reason=reason, paid=paid, now=store.now
    )
    store.invoices[inv["id"]] = inv
    sub["latest_invoice"] = inv["id"]
    store.emit("invoice.paid" if paid else "invoice.payment_failed", store.render(inv))
    return inv


def period_end(store: Store, sub: Record) -> int:
    return min(i["current_period_end"] for i in store.items_of(sub["id"]))


def _attach_item(
    store: Store, sub: Record, price: Record, quantity: int, metadata: Mapping[str, str]
) -> Record:
    if sub["trial_end"] and sub["status"] == "trialing":
        period = (sub["start_date"], sub["trial_end"])
    else:
        period = objects.period_containing(
            sub["billing_cycle_anchor"], price["recurring"], store.now
        )
    item = objects.subscription_item(
        subscription_id=sub["id"],
        price_id=price["id"],
        quantity=quantity,
        metadata=dict(metadata),
        period=period,
        now=store.now,
    )
    store.items[item["id"]] = item
    return item


def _prorate(store: Store, item: Record, old: int, new: int, behavior: str) -> None:
    if behavior not in PRORATION_BEHAVIORS:
        raise invalid(
            f"Invalid proration_behavior: must be one of {', '.join(PRORATION_BEHAVIORS)}",
            param="proration_behavior",
        )
    if behavior == "none":
        return
    start, end = item["current_period_start"], item["current_period_end"]
    price = store.prices[item["price"]]
    delta = objects.amount_for(price, new) - objects.amount_for(price, old)
    remaining = max(0, end - store.now) / max(1, end - start)
    store.prorations.append(
        {
            "subscription": item["subscription"],
            "subscription_item": item["id"],
            "from_quantity": old,
            "to_quantity": new,
            "proration_behavior": behavior,
            "amount": round(delta * remaining),
            "at": store.now,
        }
    )


def _recurring_price(store: Store, price_id: str, param: str) -> Record:
    price = store.get("prices", price_id, param=param)
    if price["recurring"] is None:
        raise invalid(
            "The price specified is set to `type=one_time` but this field only "
            "accepts prices with `type=recurring`.",
            param=param,
        )
    return price


def _no_duplicate_prices(price_ids: list[str]) -> None:
    seen: set[str] = set()
    for price_id in price_ids:
        if price_id in seen:
            raise invalid(
                f"Cannot add multiple subscription items with the same price: {price_id}",
                param="price",
            )
        seen.add(price_id)


def _changeable(store: Store, sub: Record) -> Record:
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise StripeError(
            400, "A canceled subscription can only update its cancellation_details and metadata."
        )
    return sub
