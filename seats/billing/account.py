"""An org's billing account as its billing contact sees it (the console's Billing page): the
subscription and its next invoice, starting a Checkout when the org does not pay yet, and a
link into the provider's customer portal (payment method, invoices, cancellation).

The overview is `purchases.billing_overview`, the same read model as `GET
/admin/v1/orgs/{id}/billing`, plus the upcoming invoice; starting a checkout is
`purchases.start_org_checkout`, as for `POST /admin/v1/orgs/{id}/billing/checkout`. Neither
writes to the database, so their audit entries get a transaction of their own, once the
provider has answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from seats import audit
from seats.billing import plans, purchases, state
from seats.billing.port import BillingError, CheckoutSession, InvoicePreview
from seats.billing.purchases import BillingOverview, Checkout
from seats.billing.service import Billing
from seats.model import Org
from seats.orgs import get_org
from seats.storage.database import Database
from seats.summary import SeatSummary, seat_summary


@dataclass(frozen=True)
class BillingAccount:
    org: Org
    seats: SeatSummary
    # None when billing is off on this gateway: the page then says who sets the seats.
    overview: BillingOverview | None
    paying: bool  # a live subscription at the last sync: Checkout is not offered
    interval: str | None  # "Monthly", "Every six months", "Yearly", ...
    next_invoice: InvoicePreview | None
    # Why there is no next invoice to show: Stripe not answering, or none coming.
    next_invoice_error: BillingError | None

    @property
    def managed(self) -> bool:
        return state.is_billing_managed(self.org)

    @property
    def next_invoice_at(self) -> datetime | None:
        """The next invoice's date: from the preview, else the subscription's period end."""
        if self.next_invoice is not None and self.next_invoice.due_at is not None:
            return self.next_invoice.due_at
        subscription = self.overview.subscription if self.overview else None
        if subscription is None or subscription.cancel_at_period_end:
            return None
        return subscription.current_period_end


async def billing_account(
    database: Database, billing: Billing | None, org_id: str
) -> BillingAccount:
    async with database.read() as conn:
        seats = await seat_summary(conn, org_id)
        org = await get_org(conn, org_id)
    if billing is None:
        return BillingAccount(org, seats, None, False, None, None, None)
    overview = await purchases.billing_overview(database, billing, org_id)
    subscription = overview.subscription
    invoice, error = None, None
    if subscription is not None and subscription.counts_items:
        try:
            invoice = await billing.port.preview_invoice(subscription.id)
        except BillingError as exc:
            error = exc
    return BillingAccount(
        org=overview.org,
        seats=seats,
        overview=overview,
        paying=state.is_paying(overview.org, overview.known),
        interval=plans.describe_interval(subscription.seat_item() if subscription else None),
        next_invoice=invoice,
        next_invoice_error=error,
    )


async def start_checkout(
    database: Database, billing: Billing, org_id: str, checkout: Checkout, *, actor: str
) -> CheckoutSession:
    session = await purchases.start_org_checkout(database, billing, org_id, checkout)
    async with database.transaction() as conn:
        await audit.record(
            conn,
            org_id,
            actor=actor,
            action="billing.checkout_started",
            target=session.id,
            detail={"seats": checkout.seats, "interval": checkout.interval},
        )
    return session


async def open_customer_portal(
    database: Database, billing: Billing, org_id: str, *, return_url: str, actor: str
) -> str:
    """A customer portal link for the org's Stripe customer; NotOnBilling if it has none."""
    async with database.read() as conn:
        org = await get_org(conn, org_id)
    if org.stripe_customer_id is None:
        raise state.NotOnBilling(
            f"organization {org_id} has no Stripe customer yet; start a subscription first"
        )
    url = await billing.port.create_portal_session(org.stripe_customer_id, return_url=return_url)
    async with database.transaction() as conn:
        await audit.record(
            conn,
            org_id,
            actor=actor,
            action="billing.portal_opened",
            target=org.stripe_customer_id,
        )
    return url
