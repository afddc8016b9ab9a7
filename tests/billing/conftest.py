"""Billing test fixtures: a gateway wired to the Stripe fake (see support.py)."""

from tests.billing.support import billed, fake, make_billed

__all__ = ["billed", "fake", "make_billed"]
