"""What happens to subscriptions outside the API: checkout completion, failed payments, time.

These are the changes a customer or Stripe itself makes (paying on the hosted page, a declined
renewal, a period ending); tests trigger them through `StripeFake`, and each emits the events
Stripe would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.fakes.stripe_fake import objects
from tests.fakes.stripe_fake.catalog import create_customer, emit_if_changed
from tests.fakes.stripe_fake.errors import invalid, missing
from tests.fakes.stripe_fake.store import Store
from tests.fakes.stripe_fake.subscriptions import (
    ItemSpec,
    bill,
    cancel_subscription,
    create_subscription,
    period_end,
)

Record = dict[str, Any]


def create_checkout_session(
    store: Store,
    *,
    mode: str | None,
    line_items: Sequence[tuple[str, int]],
    customer_id: str | None = None,
    customer_email: str | None = None,
    metadata: Mapping[str, str] | None = None,
    subscription_metadata: Mapping[str, str] | None = None,
    trial_period_days: int | None = None,
    success_url: str | None = None,
    cancel_url: str | None = None,
    client_reference_id: str | None = None,
) -> Record:
    if mode is None:
        raise missing("mode")
    if mode != "subscription":
        raise invalid("The Stripe fake only supports `mode=subscription`.", param="mode")
    if customer_id and customer_email:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
        )
    if customer_id:
        store.get("customers", customer_id, param="customer")
    if not line_items:
        raise missing("line_items")
    prices = []
    for n, (price_id, _quantity) in enumerate(line_items):
        price = store.get("prices", price_id, param=f"line_items[{n}][price]")
        if price["recurring"] is None:
            raise invalid(
                "You must provide at least one recurring price in `subscription` mode "
                "when using prices.",
                param=f"line_items[{n}][price]",
            )
        prices.append(price)
    lines = [
        {"id": objects.new_id("li"), "price": price_id, "quantity": quantity}
        for price_id, quantity in line_items
    ]
    session = objects.checkout_session(
        customer_id=customer_id,
        customer_email=customer_email,
        metadata=dict(metadata or {}),
        subscription_data={
            "metadata": dict(subscription_metadata or {}),
            "trial_period_days": trial_period_days,
        },
        line_items=lines,
        success_url=success_url,
        cancel_url=cancel_url,
        client_reference_id=client_reference_id,
        currency=prices[0]["currency"],
        amount=sum(objects.amount_for(p, q) for p, (_, q) in zip(prices, line_items, strict=True)),
        now=store.now,
    )
    store.sessions[session["id"]] = session
    return session


def complete_checkout(store: Store, session_id: str, *, email: str | None = None) -> Record:
    """The buyer pays on the hosted page: customer (if new), subscription, then the session."""
    session = store.get("sessions", session_id)
    if session["status"] != "open":
        raise invalid(f"Checkout session {session_id} is {session['status']}, not open.")
    email = email or session["customer_email"] or "buyer@example.com"
    customer_id = session["customer"] or create_customer(store, email=email)["id"]
    data = session["_subscription_data"]
    sub = create_subscription(
        store,
        customer_id=customer_id,
        items=[ItemSpec(line["price"], line["quantity"]) for line in session["line_items"]],
        metadata=data["metadata"],
        trial_period_days=data["trial_period_days"],
    )
    session.update(
        customer=customer_id,
        customer_details={"email": store.customers[customer_id]["email"], "name": None},
        invoice=sub["latest_invoice"],
        payment_status="paid",
        status="complete",
        subscription=sub["id"],
    )
    store.emit("checkout.session.completed", store.render(session))
    return session


def expire_checkout(store: Store, session_id: str) -> Record:
    session = store.get("sessions", session_id)
    session["status"] = "expired"
    store.emit("checkout.session.expired", store.render(session))
    return session


def fail_payment(store: Store, sub_id: str, *, final: bool = False) -> Record:
    """The latest charge is declined: past_due while Stripe retries, `unpaid` once it gives up."""
    sub = store.get("subscriptions", sub_id)
    before = store.render(sub)
    bill(store, sub, reason="subscription_cycle", paid=False)
    sub["status"] = "unpaid" if final else "past_due"
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return sub


def recover_payment(store: Store, sub_id: str) -> Record:
    """The customer fixes their card: the open invoice is paid and the subscription is active."""
    sub = store.get("subscriptions", sub_id)
    before = store.render(sub)
    invoice = store.invoices.get(sub["latest_invoice"] or "")
    if invoice is not None and invoice["status"] == "open":
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            next_payment_attempt=None,
        )
        store.emit("invoice.paid", store.render(invoice))
    sub["status"] = "active"
    emit_if_changed(store, "customer.subscription.updated", sub, before)
    return sub


def advance_clock(store: Store, to: int) -> None:
    """Move time forward, ending trials, renewing periods and applying period-end cancels."""
    if to < store.now:
        raise ValueError("the Stripe fake's clock only moves forward")
    for sub in list(store.subscriptions.values()):
        while sub["status"] not in ("canceled", "incomplete_expired"):
            boundary = period_end(store, sub)
            if boundary > to:
                break
            store.now = boundary
            _cross_period_end(store, sub, boundary)
    store.now = to


def _cross_period_end(store: Store, sub: Record, boundary: int) -> None:
    if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= boundary):
        cancel_subscription(store, sub["id"], at=boundary)
        return
    before = store.render(sub)
    if sub["status"] == "trialing":
        sub["status"] = "active"
    for item in store.items_of(sub["id"]):
        if item["current_period_end"] <= boundary:
            recurring = store.prices[item["price"]]["recurring"]
            start, end = objects.period_containing(sub["billing_cycle_anchor"], recurring, boundary)
            item.update(current_period_start=start, current_period_end=end)
    paid = sub["status"] == "active"
    bill(store, sub, reason="subscription_cycle", paid=paid)
    emit_if_changed(store, "customer.subscription.updated", sub, before)
