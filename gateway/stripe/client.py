"""`StripeBilling` implements `seats.billing.BillingPort` with the official SDK (`StripeClient` on
its aiohttp transport): with gateway/stripe/signatures.py, the only code that calls the SDK.

Stripe objects become frozen snapshots at this boundary (the pure mapping is in `mapping.py`);
SDK errors become BillingUnavailable (retry later) or BillingRejected (Stripe said no). The
metadata convention is in docs/billing.md.

Period-end decreases. Stripe would need a subscription schedule to change a quantity at the period
end. Instead, the quantity is lowered at once with `proration_behavior="none"` - no credit now,
the next renewal bills the new number - and the item records what was paid for in its metadata
(`seatgate_paid_quantity` until `seatgate_paid_until`). The capacity rule keeps those seats
until then, so Stripe stays the only record of both numbers and a reconcile sees them too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import stripe

from gateway.stripe.mapping import (
    ORG_ID,
    OWNER_EMAIL,
    plan_quantity_change,
    snapshot_from_subscription,
)
from seats.billing import (
    COUNTING_STATUSES,
    BillingRejected,
    BillingUnavailable,
    CheckoutLine,
    CheckoutSession,
    Effective,
    InvoiceLine,
    InvoicePreview,
    QuantityChange,
    SubscriptionSnapshot,
)

# Four levels is Stripe's expansion limit; the product carries the role when the price does not.
_EXPAND_SUBSCRIPTION = ["items.data.price.product", "customer"]
_EXPAND_ITEMS = ["data.price.product"]


class StripeBilling:
    """BillingPort on Stripe. Create one per process (it owns an HTTP session); `close()` it."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout_seconds: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # AIOHTTPClient is the SDK's async transport that needs no extra dependency (httpx is
        # not installed); it opens its session lazily, inside the running loop.
        self._http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=timeout_seconds))
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            # The SDK retries connection errors, 409s and 5xx with the same Idempotency-Key.
            max_network_retries=max_network_retries,
        )
        self._clock = clock

    async def close(self) -> None:
        await self._http.close_async()

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        async with _translate_errors():
            sub = await self._client.v1.subscriptions.retrieve_async(
                subscription_id, params={"expand": _EXPAND_SUBSCRIPTION}
            )
            data = sub.to_dict()
            items = list(data["items"]["data"])
            has_more = data["items"]["has_more"]
            # The embedded list holds the first items only; fetch the rest explicitly.
            while has_more:
                page = await self._client.v1.subscription_items.list_async(
                    params={
                        "subscription": subscription_id,
                        "starting_after": items[-1]["id"],
                        "limit": 100,
                        "expand": _EXPAND_ITEMS,
                    }
                )
                more = page.to_dict()
                items += more["data"]
                has_more = more["has_more"] and bool(more["data"])
        return snapshot_from_subscription(data, items)

    async def find_subscription_for_org(self, org_id: str) -> SubscriptionSnapshot | None:
        query = f"metadata['{ORG_ID}']:'{_quote(org_id)}'"
        found: list[dict[str, Any]] = []
        page: str | None = None
        async with _translate_errors():
            while True:
                params: dict[str, Any] = {"query": query, "limit": 100}
                if page:
                    params["page"] = page
                result = (await self._client.v1.subscriptions.search_async(params)).to_dict()
                found += result["data"]
                page = result.get("next_page")
                if not result["has_more"] or not page:
                    break
        if not found:
            return None
        # A live subscription wins over an ended one; among equals the newest.
        best = max(found, key=lambda s: (s["status"] in COUNTING_STATUSES, s["created"]))
        # Search results cannot expand four levels deep: fetch the chosen one in full.
        return await self.fetch_subscription(best["id"])

    async def set_seat_quantity(
        self,
        subscription_id: str,
        item_id: str,
        quantity: int,
        *,
        idempotency_key: str,
        effective: Effective,
    ) -> None:
        if quantity < 0:
            raise ValueError("quantity must be >= 0")
        async with _translate_errors():
            item = (await self._client.v1.subscription_items.retrieve_async(item_id)).to_dict()
            if item["subscription"] != subscription_id:
                raise BillingRejected(
                    f"Item {item_id} belongs to {item['subscription']}, not {subscription_id}.",
                    code="item_subscription_mismatch",
                )
            steps = plan_quantity_change(
                current=item.get("quantity") or 0,
                item_metadata=item.get("metadata") or {},
                period_end=item["current_period_end"],
                target=quantity,
                effective=effective,
                now=int(self._clock().timestamp()),
            )
            for step in steps:
                params: dict[str, Any] = {
                    "quantity": step.quantity,
                    "proration_behavior": step.proration_behavior,
                }
                if step.metadata:
                    params["metadata"] = step.metadata
                await self._client.v1.subscription_items.update_async(
                    item_id,
                    params=params,
                    options={"idempotency_key": idempotency_key + step.key_suffix},
                )

    async def find_price_ids(self, lookup_keys: Sequence[str]) -> dict[str, str]:
        if not lookup_keys:
            return {}
        async with _translate_errors():
            page = await self._client.v1.prices.list_async(
                params={"lookup_keys": list(lookup_keys), "active": True, "limit": 100}
            )
        return {
            price["lookup_key"]: price["id"]
            for price in page.to_dict()["data"]
            if price.get("lookup_key") in lookup_keys
        }

    async def create_checkout_session(
        self,
        *,
        lines: Sequence[CheckoutLine],
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        org_id: str | None = None,
        owner_email: str | None = None,
        customer_id: str | None = None,
    ) -> CheckoutSession:
        if not org_id and not owner_email:
            raise ValueError("a checkout is for an organization or an owner's email")
        metadata = {ORG_ID: org_id} if org_id else {}
        if owner_email:
            metadata[OWNER_EMAIL] = owner_email
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": x.price_id, "quantity": x.quantity} for x in lines],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            # Session metadata stays on the session; the subscription needs its own copy.
            "subscription_data": {"metadata": metadata},
        }
        if customer_id:
            params["customer"] = customer_id
        elif owner_email:
            params["customer_email"] = owner_email
        async with _translate_errors():
            session = await self._client.v1.checkout.sessions.create_async(
                params, options={"idempotency_key": idempotency_key}
            )
        return CheckoutSession(id=session.id, url=session.url or "")

    async def attach_to_org(
        self, subscription_id: str, org_id: str, *, idempotency_key: str
    ) -> None:
        async with _translate_errors():
            sub = await self._client.v1.subscriptions.update_async(
                subscription_id,
                params={"metadata": {ORG_ID: org_id}},
                options={"idempotency_key": f"{idempotency_key}.subscription"},
            )
            customer = sub.to_dict()["customer"]
            await self._client.v1.customers.update_async(
                customer if isinstance(customer, str) else customer["id"],
                params={"metadata": {ORG_ID: org_id}},
                options={"idempotency_key": f"{idempotency_key}.customer"},
            )

    async def preview_invoice(
        self, subscription_id: str, *, change: QuantityChange | None = None
    ) -> InvoicePreview:
        """`Invoice.create_preview`: the upcoming invoice, with the change's prorations (Stripe
        lists them as lines whose `parent.subscription_item_details.proration` is true)."""
        params: dict[str, Any] = {"subscription": subscription_id}
        if change is not None:
            params["subscription_details"] = {
                "items": [{"id": change.item_id, "quantity": change.quantity}],
                # As set_seat_quantity will send it: a period-end decrease is not prorated.
                "proration_behavior": "create_prorations" if change.effective == "now" else "none",
                "proration_date": int(self._clock().timestamp()),
            }
        async with _translate_errors():
            invoice = (await self._client.v1.invoices.create_preview_async(params)).to_dict()
        return _invoice_preview(invoice)

    async def create_portal_session(self, customer_id: str, *, return_url: str) -> str:
        async with _translate_errors():
            session = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        return session.url


def _invoice_preview(invoice: dict[str, Any]) -> InvoicePreview:
    lines = []
    for line in invoice["lines"]["data"]:
        details = (line.get("parent") or {}).get("subscription_item_details") or {}
        lines.append(
            InvoiceLine(
                description=line.get("description") or "",
                amount=line["amount"],
                proration=bool(details.get("proration")),
            )
        )
    # An upcoming invoice is attempted at the renewal; its own period is the one ending then.
    due = invoice.get("next_payment_attempt") or invoice.get("period_end")
    return InvoicePreview(
        currency=invoice["currency"],
        amount_due=invoice["amount_due"],
        lines=tuple(lines),
        due_at=datetime.fromtimestamp(due, UTC) if due else None,
    )


@asynccontextmanager
async def _translate_errors() -> AsyncIterator[None]:
    try:
        yield
    except (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError) as exc:
        raise BillingRejected(
            exc.user_message or str(exc), code=exc.code, param=getattr(exc, "param", None)
        ) from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        # A wrong key is the operator's to fix, not this request's fault: treat it as an outage
        # so pushes stay queued (and billing_sync_failed alerts) until the key is corrected.
        raise BillingUnavailable(f"Stripe refused the API key: {exc.user_message}") from exc
    except stripe.StripeError as exc:
        # APIConnectionError, APIError (5xx), RateLimitError: transient after the SDK's retries.
        raise BillingUnavailable(f"Stripe is unavailable: {exc.user_message}") from exc


def _quote(value: str) -> str:
    """Escape a value for a search-query string literal."""
    return value.replace("\\", "\\\\").replace("'", "\\'")
