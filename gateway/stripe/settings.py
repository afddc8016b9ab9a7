"""Billing in the application: the `Billing` bundle behind a typed key, created and closed by a
`cleanup_ctx` (the Stripe SDK's HTTP session lives inside the running loop), the webhook route and
the outbox handlers.

With no `SEATGATE_STRIPE_SECRET_KEY` the key stays unset: every billing route answers 503
`billing_disabled`, seats are managed by admins alone, and queued seat pushes are dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from gateway.config import Settings
from gateway.errors import ApiError
from gateway.integrations.stripe_billing import StripeBilling
from gateway.keys import SETTINGS
from seats.billing import BillingPort, legacy_prices_from_config
from seats.billing.sync import BillingRules
from seats.clock import utcnow

DISABLED_DETAIL = (
    "Stripe billing is not configured on this gateway (set SEATGATE_STRIPE_SECRET_KEY); "
    "seats are managed by admins with PATCH /admin/v1/orgs/{id} seat_limit"
)


@dataclass(frozen=True)
class Billing:
    """What billing code needs at run time: the port, the capacity rules, the webhook secret."""

    port: BillingPort
    rules: BillingRules
    webhook_secret: str | None
    # Judges "paid until" and period ends; tests follow the Stripe fake's clock with it.
    clock: Callable[[], datetime] = utcnow
    webhook_tolerance_seconds: int = 300


@dataclass(frozen=True)
class BillingOptions:
    """Knobs that are not settings: tests replace them before the app starts."""

    clock: Callable[[], datetime] = utcnow
    max_network_retries: int = 2
    timeout_seconds: float = 30.0
    # Builds the port; the default is the Stripe adapter.
    port_factory: Callable[[Settings, BillingOptions], BillingPort] | None = field(default=None)


BILLING = web.AppKey("billing", Billing)
BILLING_OPTIONS = web.AppKey("billing_options", BillingOptions)


def install_billing(app: web.Application) -> None:
    """Add the webhook route and the billing lifecycle. Call before `install_worker`, so the
    Stripe client outlives the worker's last push on shutdown (cleanup runs in reverse)."""
    # Imported here: the route and handler modules import this one for BILLING.
    from gateway.billing.outbox_handlers import register_billing_handlers
    from gateway.billing.webhook import stripe_webhook

    app[BILLING_OPTIONS] = BillingOptions()
    app.router.add_post("/billing/stripe/webhook", stripe_webhook)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        settings, options = app[SETTINGS], app[BILLING_OPTIONS]
        port: BillingPort | None = None
        if settings.stripe_secret_key:
            factory = options.port_factory or stripe_port
            port = factory(settings, options)
            app[BILLING] = Billing(
                port=port,
                rules=BillingRules(
                    legacy_prices=legacy_prices_from_config(settings.stripe_legacy_prices),
                    free_capacity=settings.stripe_free_capacity,
                ),
                webhook_secret=settings.stripe_webhook_secret,
                clock=options.clock,
            )
        register_billing_handlers(app)
        try:
            yield
        finally:
            close = getattr(port, "close", None)
            if close is not None:
                await close()

    app.cleanup_ctx.append(lifecycle)


def billing_of(request: web.Request) -> Billing:
    """The configured billing, or the 503 `billing_disabled` answer every billing route gives."""
    billing = request.config_dict.get(BILLING)
    if billing is None:
        raise ApiError(503, "billing_disabled", DISABLED_DETAIL)
    return billing


def stripe_port(settings: Settings, options: BillingOptions) -> BillingPort:
    assert settings.stripe_secret_key
    return StripeBilling(
        settings.stripe_secret_key,
        api_base=settings.stripe_api_base,
        max_network_retries=options.max_network_retries,
        timeout_seconds=options.timeout_seconds,
        clock=options.clock,
    )
