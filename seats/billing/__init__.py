"""Billing in the domain: its rules, its use cases and the port they call.

- `capacity.py`, `pushes.py`, `sync.plan_capacity`: the pure rules (a subscription's seats now and
  later, which item a seat count is pushed to);
- `sync.py`: applying a fetched subscription to its org, under the org lock;
- `owner.py`, `state.py`: owner-scoped purchases, which orgs billing manages, billing's errors;
- `service.py`, `purchases.py`, `reconcile.py`: the use cases (webhook sync, seat changes and
  pushes, checkouts and attachments, the overview, reconcile), plain async functions taking the
  Database and the `Billing` bundle;
- `port.py`: `BillingPort`, all the use cases know of Stripe.

Their SQL is in seats/storage/billing_store.py. No billing SDK is imported here: gateway/stripe/
adapts Stripe to the port and holds billing's HTTP.
"""

from seats.billing.capacity import (
    COUNTING_STATUSES,
    ItemSnapshot,
    LegacyPrice,
    SeatRole,
    SubscriptionSnapshot,
    capacity_from_subscription,
    legacy_prices_from_config,
)
from seats.billing.port import (
    BillingError,
    BillingPort,
    BillingRejected,
    BillingUnavailable,
    CheckoutLine,
    CheckoutSession,
    Effective,
    InvoiceLine,
    InvoicePreview,
    QuantityChange,
)

__all__ = [
    "COUNTING_STATUSES",
    "BillingError",
    "BillingPort",
    "BillingRejected",
    "BillingUnavailable",
    "CheckoutLine",
    "CheckoutSession",
    "Effective",
    "InvoiceLine",
    "InvoicePreview",
    "ItemSnapshot",
    "LegacyPrice",
    "QuantityChange",
    "SeatRole",
    "SubscriptionSnapshot",
    "capacity_from_subscription",
    "legacy_prices_from_config",
]
