"""The billing port: what the domain asks of a billing provider, and the errors it may get back.

The Stripe adapter (gateway/stripe/client.py) implements this Protocol; tests and
CLI tools may substitute any object with the same methods. Errors carry no HTTP status: the
edges decide how to render them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from seats.billing.capacity import SubscriptionSnapshot

# "now": the change applies at once and the provider prorates it.
# "period_end": a decrease that takes effect when the current billing period ends; the customer
# keeps (and is not credited for) the seats until then. Increases always apply now.
Effective = Literal["now", "period_end"]


class BillingError(Exception):
    """Base class of billing failures the domain can handle."""


class BillingUnavailable(BillingError):
    """The provider could not be reached or failed on its side: retry later, nothing changed."""


class BillingRejected(BillingError):
    """The provider refused the request (bad id, card declined...): retrying will not help."""

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param


@dataclass(frozen=True)
class CheckoutLine:
    price_id: str
    quantity: int = 1


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class QuantityChange:
    """A seat item's quantity as a preview should assume it; "now" is prorated, "period_end"
    is not (the next renewal bills the new number)."""

    item_id: str
    quantity: int
    effective: Effective


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: int  # in the currency's minor unit; negative for a credit
    proration: bool


@dataclass(frozen=True)
class InvoicePreview:
    """The subscription's next invoice as the provider would draw it up now."""

    currency: str
    amount_due: int  # minor units
    lines: tuple[InvoiceLine, ...]
    # When it is due: the next renewal (None if the provider does not say).
    due_at: datetime | None

    @property
    def proration_amount(self) -> int:
        """What the change itself adds (or credits) for the rest of the current period."""
        return sum(line.amount for line in self.lines if line.proration)


class BillingPort(Protocol):
    """Operations on the billing provider that the seat domain relies on."""

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription's current state. Raises BillingRejected if it does not exist."""
        ...

    async def find_subscription_for_org(self, org_id: str) -> SubscriptionSnapshot | None:
        """The organization's subscription (a live one first, else the newest), or None.

        Meant for reconciliation and discovery: the provider's search index may lag recent
        writes, so a known subscription id (from a webhook) is preferred when there is one.
        """
        ...

    async def set_seat_quantity(
        self,
        subscription_id: str,
        item_id: str,
        quantity: int,
        *,
        idempotency_key: str,
        effective: Effective,
    ) -> None:
        """Set an item's quantity. Repeating a call with the same key changes nothing twice."""
        ...

    async def find_price_ids(self, lookup_keys: Sequence[str]) -> dict[str, str]:
        """Active prices by lookup key, `{lookup_key: price_id}`; unknown keys are left out."""
        ...

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
        """Start a hosted checkout for a new subscription tagged with the org or its owner."""
        ...

    async def attach_to_org(
        self, subscription_id: str, org_id: str, *, idempotency_key: str
    ) -> None:
        """Tag an owner-scoped purchase (and its customer) with the organization it now serves."""
        ...

    async def preview_invoice(
        self, subscription_id: str, *, change: QuantityChange | None = None
    ) -> InvoicePreview:
        """The subscription's next invoice, as it would be after `change` (none: as it is)."""
        ...

    async def create_portal_session(self, customer_id: str, *, return_url: str) -> str:
        """A short-lived link into the provider's customer portal; back to `return_url`."""
        ...
