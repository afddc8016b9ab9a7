"""`POST /billing/stripe/webhook`: Stripe's events, verified here and applied once each by
`seats.billing.service.process_webhook_event`.

- The `Stripe-Signature` header is checked over the raw body with the endpoint secret; a bad,
  missing, stale or future (more than the tolerance, 5 minutes, either way) signature is
  refused with 400 `invalid_signature`. A signed body that is not an event (not a JSON object,
  nested too deep, no id or type) is 400 `malformed_json`.
- An event is a trigger, never data: the subscription it concerns is re-fetched and applied, so
  duplicates, late and out-of-order events converge on Stripe's state.
- Its id is recorded in the transaction that applies it: a redelivery is acknowledged and does
  nothing. Events that concern no subscription are recorded and acknowledged.
- If Stripe cannot be reached for the re-fetch, or the database fails, the answer is 503/500 and
  nothing is recorded, so Stripe delivers the event again later.
"""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.config import reveal
from gateway.errors import ApiError
from gateway.keys import DATABASE, SETTINGS
from gateway.stripe.settings import BILLING_OPTIONS, billing_of
from gateway.stripe.signatures import InvalidWebhook, NotAnEvent, verify_webhook
from seats.billing import BillingUnavailable
from seats.billing.service import process_webhook_event

log = logging.getLogger("seatgate.billing")


async def stripe_webhook(request: web.Request) -> web.Response:
    billing = billing_of(request)
    secret = reveal(request.config_dict[SETTINGS].stripe_webhook_secret)
    if not secret:
        raise ApiError(
            503,
            "billing_disabled",
            "Stripe webhooks are not accepted: SEATGATE_STRIPE_WEBHOOK_SECRET is not set",
        )
    try:
        hook = verify_webhook(
            await request.read(),
            request.headers.get("Stripe-Signature"),
            secret,
            tolerance_seconds=request.config_dict[BILLING_OPTIONS].webhook_tolerance_seconds,
        )
    except NotAnEvent as exc:
        raise ApiError(400, "malformed_json", str(exc)) from exc
    except InvalidWebhook as exc:
        # A wrong SEATGATE_STRIPE_WEBHOOK_SECRET shows here first.
        log.warning("Stripe webhook refused: %s", exc)
        raise ApiError(
            400, "invalid_signature", f"the Stripe-Signature header does not verify: {exc}"
        ) from exc
    try:
        outcome = await process_webhook_event(
            request.config_dict[DATABASE],
            billing,
            event_id=hook.event_id,
            event_type=hook.event_type,
            subscription_id=hook.subscription_id,
        )
    except BillingUnavailable as exc:
        log.warning("webhook %s: Stripe unreachable, Stripe will retry: %s", hook.event_id, exc)
        raise ApiError(
            503, "billing_unavailable", f"could not re-fetch the subscription from Stripe: {exc}"
        ) from exc
    log.info(
        "webhook %s (%s): %s org=%s %s",
        hook.event_id,
        hook.event_type,
        outcome.action,
        outcome.org_id,
        outcome.detail,
    )
    answer = {"received": True, "event_id": hook.event_id, "type": hook.event_type}
    return web.json_response(
        {**answer, "action": outcome.action, "org_id": outcome.org_id, "detail": outcome.detail}
    )
