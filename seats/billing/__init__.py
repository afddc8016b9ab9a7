"""Billing in the domain: subscription snapshots, the capacity rule and the billing port.

No billing SDK is imported here; gateway/integrations/stripe_billing.py adapts Stripe to the port.
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
    "ItemSnapshot",
    "LegacyPrice",
    "SeatRole",
    "SubscriptionSnapshot",
    "capacity_from_subscription",
    "legacy_prices_from_config",
]
