"""Products, prices and customers: creation and updates with Stripe's validation rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.fakes.stripe_fake import objects
from tests.fakes.stripe_fake.errors import invalid, missing
from tests.fakes.stripe_fake.forms import merge_metadata
from tests.fakes.stripe_fake.store import Store

Record = dict[str, Any]
INTERVALS = ("day", "week", "month", "year")
_MAX_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}  # Stripe caps a period at one year


def create_product(
    store: Store,
    *,
    name: str | None,
    metadata: Mapping[str, str] | None = None,
    id: str | None = None,
    active: bool = True,
) -> Record:
    if not name:
        raise missing("name")
    if id is not None and id in store.products:
        raise invalid(f"Product already exists: '{id}'", param="id", code="resource_already_exists")
    record = objects.product(
        id=id, name=name, metadata=dict(metadata or {}), now=store.now, active=active
    )
    store.products[record["id"]] = record
    store.emit("product.created", store.render(record))
    return record


def create_price(
    store: Store,
    *,
    product_id: str | None,
    currency: str | None,
    unit_amount: int | None = None,
    interval: str | None = None,
    interval_count: int = 1,
    billing_scheme: str = "per_unit",
    tiers_mode: str | None = None,
    tiers: Sequence[tuple[int | None, int | None, int | None]] | None = None,
    metadata: Mapping[str, str] | None = None,
    lookup_key: str | None = None,
    nickname: str | None = None,
    transfer_lookup_key: bool = False,
) -> Record:
    """Tiers are (up_to, unit_amount, flat_amount) with up_to None for the last ("inf") tier."""
    if not currency:
        raise missing("currency")
    if not product_id:
        raise missing("product")
    store.get("products", product_id, param="product")
    recurring = None
    if interval is not None:
        if interval not in INTERVALS:
            raise invalid(
                f"Invalid recurring[interval]: must be one of {', '.join(INTERVALS)}",
                param="recurring[interval]",
            )
        if interval_count < 1 or interval_count * _MAX_DAYS[interval] > 366:
            raise invalid(
                "The maximum billing period is 1 year (1 year, 12 months, or 52 weeks).",
                param="recurring[interval_count]",
            )
        recurring = {
            "interval": interval,
            "interval_count": interval_count,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
    tier_records = None
    if billing_scheme == "tiered":
        if tiers_mode not in ("graduated", "volume"):
            raise missing("tiers_mode")
        if not tiers:
            raise missing("tiers")
        if tiers[-1][0] is not None:
            raise invalid("The last tier must have `up_to` set to `inf`.", param="tiers")
        bounds = [t[0] for t in tiers[:-1]]
        if any(b is None for b in bounds) or bounds != sorted(set(bounds)):  # type: ignore[type-var]
            raise invalid("Tiers must be sorted by `up_to`, ascending.", param="tiers")
        tier_records = [objects.tier(*t) for t in tiers]
        unit_amount = None
    elif billing_scheme == "per_unit":
        if unit_amount is None:
            raise missing("unit_amount")
        tiers_mode = None
    else:
        raise invalid(
            "Invalid billing_scheme: must be one of per_unit, tiered", param="billing_scheme"
        )
    if lookup_key is not None:
        holder = next((p for p in store.prices.values() if p["lookup_key"] == lookup_key), None)
        if holder is not None and not transfer_lookup_key:
            raise invalid(
                f"A price (`{holder['id']}`) already uses that lookup key.", param="lookup_key"
            )
        if holder is not None:
            holder["lookup_key"] = None
    record = objects.price(
        product_id=product_id,
        currency=currency.lower(),
        unit_amount=unit_amount,
        recurring=recurring,
        billing_scheme=billing_scheme,
        tiers_mode=tiers_mode,
        tiers=tier_records,
        metadata=dict(metadata or {}),
        lookup_key=lookup_key,
        nickname=nickname,
        now=store.now,
    )
    store.prices[record["id"]] = record
    store.emit("price.created", store.render(record))
    return record


def create_customer(
    store: Store,
    *,
    email: str | None = None,
    name: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Record:
    record = objects.customer(email=email, name=name, metadata=dict(metadata or {}), now=store.now)
    store.customers[record["id"]] = record
    store.emit("customer.created", store.render(record))
    return record


def update_customer(
    store: Store,
    customer_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    metadata: Any = None,
) -> Record:
    record = store.get("customers", customer_id)
    before = store.render(record)
    if email is not None:
        record["email"] = email
    if name is not None:
        record["name"] = name
    if metadata is not None:
        merge_metadata(record["metadata"], metadata)
    emit_if_changed(store, "customer.updated", record, before)
    return record


def emit_if_changed(store: Store, type: str, record: Record, before: Record) -> None:
    """Emit `type` with `previous_attributes` holding the old value of each changed field."""
    after = store.render(record)
    previous = {key: value for key, value in before.items() if after.get(key) != value}
    if previous:
        store.emit(type, after, previous)
