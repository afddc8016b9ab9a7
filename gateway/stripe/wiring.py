"""`install_billing(app)`: the Stripe webhook route, the `Billing` bundle created and closed by a
`cleanup_ctx` (the Stripe SDK's HTTP session lives inside the running loop), and the outbox
handlers of billing. The admin billing routes are registered by gateway/admin/app.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.keys import SETTINGS
from gateway.stripe.outbox_handlers import register_billing_handlers
from gateway.stripe.settings import (
    BILLING,
    BILLING_OPTIONS,
    BillingOptions,
    billing_from_settings,
    close_port,
)
from gateway.stripe.webhook import stripe_webhook


def install_billing(app: web.Application) -> None:
    """Call before `install_worker`, so the Stripe client outlives the worker's last push on
    shutdown (cleanup runs in reverse)."""
    app[BILLING_OPTIONS] = BillingOptions()
    app.router.add_post("/billing/stripe/webhook", stripe_webhook)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        billing = billing_from_settings(app[SETTINGS], app[BILLING_OPTIONS])
        if billing is not None:
            app[BILLING] = billing
        register_billing_handlers(app)
        try:
            yield
        finally:
            await close_port(billing)

    app.cleanup_ctx.append(lifecycle)
