"""Which orgs billing manages, and the errors of billing operations on an org.

The org row holds the links (`stripe_subscription_id`, `stripe_customer_id`); the sync
bookkeeping (`BillingState`) is read and written by seats/storage/billing_store.py.
"""

from __future__ import annotations

from seats.billing.capacity import COUNTING_STATUSES
from seats.errors import Conflict
from seats.model import Org
from seats.storage.billing_store import BillingState

__all__ = [
    "AlreadySubscribed",
    "BillingState",
    "ManagedByBilling",
    "NotOnBilling",
    "is_billing_managed",
    "is_paying",
    "require_subscription",
]


class ManagedByBilling(Conflict):
    """An admin tried to set the capacity of an org whose seats come from its subscription."""

    code = "managed_by_billing"


class NotOnBilling(Conflict):
    """A billing operation on an org that has no subscription to operate on."""

    code = "no_subscription"


class AlreadySubscribed(Conflict):
    """A checkout for an org that already pays through a live subscription."""

    code = "already_subscribed"


def is_billing_managed(org: Org) -> bool:
    """An org's capacity belongs to billing once it is linked to a subscription.

    Orgs never linked (offline contracts, trials run by hand) stay admin-managed even when
    Stripe is configured; a lapsed subscription keeps the org linked, at the free capacity.
    """
    return org.stripe_subscription_id is not None


def is_paying(org: Org, known: BillingState | None) -> bool:
    """The org follows a subscription that was live at the last sync."""
    return bool(
        org.stripe_subscription_id
        and known is not None
        and known.subscription_status in COUNTING_STATUSES
    )


def require_subscription(org: Org) -> str:
    if org.stripe_subscription_id is None:
        raise NotOnBilling(
            f"organization {org.id} has no Stripe subscription; start one with "
            "POST /admin/v1/orgs/{id}/billing/checkout"
        )
    return org.stripe_subscription_id
