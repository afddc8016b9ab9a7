"""Stripe billing in the gateway: wiring (`install_billing`, the `BILLING` key), the webhook
route, the operations that call Stripe then write the database (`service`), and the outbox
handlers for seat pushes. The domain side is `seats.billing`; the SDK adapter is
`gateway.integrations.stripe_billing`. See docs/billing.md.
"""

from gateway.billing.wiring import (
    BILLING,
    BILLING_OPTIONS,
    Billing,
    BillingOptions,
    install_billing,
)

__all__ = ["BILLING", "BILLING_OPTIONS", "Billing", "BillingOptions", "install_billing"]
