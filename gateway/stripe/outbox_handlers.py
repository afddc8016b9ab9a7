"""The outbox channels of billing, delivered by the worker after the change that queued them
committed:

- `billing_push` (queued by auto_expand): raise the Stripe subscription to the granted seats.
- `billing_attach` (queued when an owner-scoped purchase is claimed): tag it with the org.

A failure opens (or counts on) the org's `billing_sync_failed` alert and is retried with backoff
when Stripe was unreachable; when Stripe refused, retrying cannot help and the message gives up.
A success closes the alert. With billing off, queued messages are acknowledged and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.integrations.delivery import DeliveryError
from gateway.keys import DATABASE
from gateway.stripe.settings import BILLING
from gateway.worker import register_outbox_handler
from seats.billing import BillingRejected, BillingUnavailable
from seats.billing.owner import BILLING_ATTACH
from seats.billing.purchases import attach_purchase
from seats.billing.pushes import BILLING_PUSH, NoSeatItem
from seats.billing.service import push_granted_seats, report_sync_failure
from seats.errors import NotFound
from seats.outbox import OutboxMessage
from seats.storage.database import Database

log = logging.getLogger("seatgate.billing")


def register_billing_handlers(app: web.Application) -> None:
    register_outbox_handler(app, BILLING_PUSH, _handler(app, _push))
    register_outbox_handler(app, BILLING_ATTACH, _handler(app, _attach))


Job = Callable[[web.Application, OutboxMessage], Awaitable[str]]


def _handler(app: web.Application, job: Job) -> Callable[[OutboxMessage], Awaitable[str]]:
    async def handle(message: OutboxMessage) -> str:
        if app.get(BILLING) is None:
            return "skipped: Stripe billing is not configured"
        if message.org_id is None:
            return "skipped: the message names no organization"
        try:
            return await job(app, message)
        except NotFound:
            return "skipped: the organization no longer exists"
        except BillingUnavailable as exc:
            await _failed(app[DATABASE], message, str(exc))
            raise DeliveryError(str(exc)) from exc
        except (BillingRejected, NoSeatItem) as exc:
            detail = exc.message if isinstance(exc, BillingRejected) else exc.detail
            await _failed(app[DATABASE], message, detail)
            raise DeliveryError(f"Stripe refused: {detail}", permanent=True) from exc

    return handle


async def _push(app: web.Application, message: OutboxMessage) -> str:
    assert message.org_id is not None
    return await push_granted_seats(app[DATABASE], app[BILLING], message.org_id)


async def _attach(app: web.Application, message: OutboxMessage) -> str:
    assert message.org_id is not None
    subscription_id = str(message.payload["subscription_id"])
    outcome = await attach_purchase(app[DATABASE], app[BILLING], message.org_id, subscription_id)
    return f"attached {subscription_id}: {outcome.action}, capacity {outcome.capacity}"


async def _failed(database: Database, message: OutboxMessage, error: str) -> None:
    assert message.org_id is not None
    context: dict[str, Any] = {"channel": message.channel, "attempt": message.attempts}
    if "seat_limit" in message.payload:
        context["seat_limit"] = message.payload["seat_limit"]
    await report_sync_failure(database, message.org_id, error=error, context=context)
    log.warning("billing %s for org %s failed: %s", message.channel, message.org_id, error)
