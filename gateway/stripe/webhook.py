"""`POST /billing/stripe/webhook`: Stripe's events, verified and applied once each.

- The `Stripe-Signature` header is checked over the raw body with the endpoint secret; a bad,
  missing or stale (older than 5 minutes) signature is refused with 400 `invalid_signature`.
- An event is a trigger, never data: the subscription it concerns is re-fetched and applied
  (`seats.billing.sync`), so duplicates, late and out-of-order events converge on Stripe's state.
- Its id is recorded in the transaction that applies it: a redelivery is acknowledged and does
  nothing. Events that concern no subscription are recorded and acknowledged.
- If Stripe cannot be reached for the re-fetch, or the database fails, the answer is 503/500 and
  nothing is recorded, so Stripe delivers the event again later.
"""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.billing import service
from gateway.billing.wiring import billing_of
from gateway.errors import ApiError
from gateway.integrations.stripe_billing import InvalidWebhook, verify_webhook
from gateway.keys import DATABASE
from seats.billing import BillingRejected, BillingUnavailable, events
from seats.clock import utcnow

log = logging.getLogger("seatgate.billing")


async def stripe_webhook(request: web.Request) -> web.Response:
    billing = billing_of(request)
    if not billing.webhook_secret:
        raise ApiError(
            503,
            "billing_disabled",
            "Stripe webhooks are not accepted: SEATGATE_STRIPE_WEBHOOK_SECRET is not set",
        )
    payload = await request.read()
    try:
        hook = verify_webhook(
            payload,
            request.headers.get("Stripe-Signature"),
            billing.webhook_secret,
            tolerance_seconds=billing.webhook_tolerance_seconds,
        )
    except InvalidWebhook as exc:
        raise ApiError(
            400, "invalid_signature", f"the Stripe-Signature header does not verify: {exc}"
        ) from exc
    database = request.config_dict[DATABASE]
    answer = {"received": True, "event_id": hook.event_id, "type": hook.event_type}
    async with database.read() as conn:
        if await events.already_processed(conn, hook.event_id):
            return web.json_response({**answer, "action": "duplicate"})
    if hook.subscription_id is None:
        return await _record_only(request, hook.event_id, hook.event_type, answer, "ignored")
    try:
        outcome = await service.sync_subscription(
            database, billing, hook.subscription_id, event=(hook.event_id, hook.event_type)
        )
    except BillingUnavailable as exc:
        log.warning("webhook %s: Stripe unreachable, Stripe will retry: %s", hook.event_id, exc)
        raise ApiError(
            503, "billing_unavailable", f"could not re-fetch the subscription from Stripe: {exc}"
        ) from exc
    except BillingRejected as exc:
        # The subscription is gone (or never was ours to read): nothing to apply, ever.
        log.warning("webhook %s: subscription %s: %s", hook.event_id, hook.subscription_id, exc)
        return await _record_only(request, hook.event_id, hook.event_type, answer, "ignored")
    log.info(
        "webhook %s (%s): %s org=%s %s",
        hook.event_id,
        hook.event_type,
        outcome.action,
        outcome.org_id,
        outcome.detail,
    )
    return web.json_response(
        {**answer, "action": outcome.action, "org_id": outcome.org_id, "detail": outcome.detail}
    )


async def _record_only(
    request: web.Request, event_id: str, event_type: str, answer: dict[str, object], action: str
) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        fresh = await events.record_event(conn, event_id, event_type, now=utcnow())
    return web.json_response({**answer, "action": action if fresh else "duplicate"})
