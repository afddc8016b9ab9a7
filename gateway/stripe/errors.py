"""Billing failures as JSON errors: Stripe unreachable is 502 `billing_unavailable`, Stripe
refusing is 422 `billing_rejected` with Stripe's own message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gateway.errors import ApiError
from seats.billing.port import BillingRejected, BillingUnavailable


@contextmanager
def billing_errors(action: str) -> Iterator[None]:
    """Render the billing errors raised inside as JSON errors naming `action`."""
    try:
        yield
    except BillingUnavailable as exc:
        raise ApiError(
            502,
            "billing_unavailable",
            f"could not {action}: Stripe could not be reached and nothing was changed in "
            f"seatgate; try again later ({exc})",
        ) from exc
    except BillingRejected as exc:
        extra = {"stripe_code": exc.code} if exc.code else {}
        raise ApiError(
            422, "billing_rejected", f"Stripe refused to {action}: {exc.message}", **extra
        ) from exc
