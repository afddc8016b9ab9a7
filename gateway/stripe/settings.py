"""Billing's run-time configuration: the `Billing` bundle (seats.billing.service) behind the typed
`BILLING` key, built from the `SEATGATE_STRIPE_*` settings with the Stripe adapter as its port,
and the `BILLING_OPTIONS` knobs tests replace before the app starts.

With no `SEATGATE_STRIPE_SECRET_KEY` the key stays unset: every billing route answers 503
`billing_disabled`, seats are managed by admins alone, and queued seat pushes are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from gateway.config import Settings, reveal
from gateway.errors import ApiError
from gateway.stripe.client import StripeBilling
from seats.billing import BillingPort, legacy_prices_from_config
from seats.billing.service import Billing
from seats.billing.sync import BillingRules
from seats.clock import utcnow

DISABLED_DETAIL = (
    "Stripe billing is not configured on this gateway (set SEATGATE_STRIPE_SECRET_KEY); "
    "seats are managed by admins with PATCH /admin/v1/orgs/{id} seat_limit"
)


@dataclass(frozen=True)
class BillingOptions:
    """Knobs that are not settings: tests replace them before the app starts."""

    clock: Callable[[], datetime] = utcnow
    max_network_retries: int = 2
    timeout_seconds: float = 30.0
    # How old a webhook's signed timestamp may be.
    webhook_tolerance_seconds: int = 300
    # Builds the port; the default is the Stripe adapter.
    port_factory: Callable[[Settings, BillingOptions], BillingPort] | None = field(default=None)


BILLING = web.AppKey("billing", Billing)
BILLING_OPTIONS = web.AppKey("billing_options", BillingOptions)


def billing_from_settings(settings: Settings, options: BillingOptions) -> Billing | None:
    """The bundle the use cases take, or None when billing is off."""
    if not settings.stripe_secret_key:
        return None
    factory = options.port_factory or stripe_port
    return Billing(
        port=factory(settings, options),
        rules=BillingRules(
            legacy_prices=legacy_prices_from_config(settings.stripe_legacy_prices),
            free_capacity=settings.stripe_free_capacity,
        ),
        clock=options.clock,
    )


def stripe_port(settings: Settings, options: BillingOptions) -> BillingPort:
    secret_key = reveal(settings.stripe_secret_key)
    assert secret_key
    return StripeBilling(
        secret_key,
        api_base=settings.stripe_api_base,
        max_network_retries=options.max_network_retries,
        timeout_seconds=options.timeout_seconds,
        clock=options.clock,
    )


def billing_of(request: web.Request) -> Billing:
    """The configured billing, or the 503 `billing_disabled` answer every billing route gives."""
    billing = request.config_dict.get(BILLING)
    if billing is None:
        raise ApiError(503, "billing_disabled", DISABLED_DETAIL)
    return billing


async def close_port(billing: Billing | None) -> None:
    """Close the port's HTTP session, when it has one (a test's port may not)."""
    close = getattr(billing.port, "close", None) if billing is not None else None
    if close is not None:
        await close()
