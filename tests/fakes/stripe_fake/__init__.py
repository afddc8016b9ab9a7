"""A Stripe-wire-compatible fake server for tests, started on loopback.

    async with StripeFake() as fake:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.base_url}, ...)

Modules: `store` (records, clock, rendering), `catalog` / `subscriptions` / `lifecycle` (what
Stripe does), `routes` (HTTP surface), `previews` (invoice previews, portal sessions),
`traffic` (auth, failures, idempotency, request log), `webhooks` (signed delivery),
`controller` (the `StripeFake` a test holds).
"""

from tests.fakes.stripe_fake.controller import StripeFake, create_stripe_fake
from tests.fakes.stripe_fake.objects import API_VERSION
from tests.fakes.stripe_fake.subscriptions import ItemSpec
from tests.fakes.stripe_fake.traffic import FailureKind, LoggedRequest
from tests.fakes.stripe_fake.webhooks import Delivery, sign

__all__ = [
    "API_VERSION",
    "Delivery",
    "FailureKind",
    "ItemSpec",
    "LoggedRequest",
    "StripeFake",
    "create_stripe_fake",
    "sign",
]
