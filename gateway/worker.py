"""The background worker: delivers the outbox (alert email and webhooks, and any channel another
part registers, such as `billing_push`), and applies what falls due with time (scheduled capacity
changes, invite expiry).

It runs inside `seatgate serve` when `settings.run_worker` (the default), or alone as
`seatgate worker`. Several may run against one PostgreSQL database: claims use
`FOR UPDATE SKIP LOCKED` plus a lease, so a message goes to one worker; one that dies mid-send
leaves its lease to expire and the message is sent again (at least once, never lost).

Each step is callable on its own with an injected `now` (`deliver_due`, `run_scheduled`), so
tests need not sleep. Another part adds a channel with `register_outbox_handler(app, ...)`.
"""

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import structlog
from aiohttp import web

from gateway.alert_channels import OutboxHandler, alert_handlers
from gateway.config import Settings, reveal
from gateway.integrations.delivery import DeliveryError
from gateway.integrations.email import EmailSender, SmtpConfig
from gateway.integrations.webhooks import WebhookSender
from gateway.keys import DATABASE, SETTINGS
from gateway.metrics import METRICS, GatewayMetrics
from seats import alerts, capacity, outbox
from seats import retention as retention_rules
from seats.clock import utcnow
from seats.outbox import OutboxMessage
from seats.storage.database import Database

log = logging.getLogger("seatgate.worker")

OUTBOX_HANDLERS = web.AppKey("outbox_handlers", dict[str, OutboxHandler])


@dataclass(frozen=True)
class RetryPolicy:
    lease: timedelta = timedelta(minutes=5)
    first_retry: timedelta = timedelta(seconds=5)
    max_retry: timedelta = timedelta(minutes=15)
    # Transient failures are retried this long; past it the message is marked failed.
    give_up_after: timedelta = timedelta(days=3)
    batch_size: int = 50
    concurrency: int = 10


@dataclass(frozen=True)
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def register_outbox_handler(app: web.Application, channel: str, handler: OutboxHandler) -> None:
    """Deliver `channel`'s outbox messages with `handler` (return a detail for the delivery log,
    raise DeliveryError - or anything - to retry, DeliveryError(permanent=True) to give up)."""
    app[OUTBOX_HANDLERS][channel] = handler


async def deliver_due(
    database: Database,
    handlers: Mapping[str, OutboxHandler],
    *,
    now: datetime | None = None,
    digest_seconds: float = 0,
    policy: RetryPolicy | None = None,
    metrics: GatewayMetrics | None = None,
) -> DeliveryReport:
    """Claim the due messages of the channels in `handlers`, send them, record the outcome
    (and count each failed attempt in `metrics`)."""
    policy = policy or RetryPolicy()
    now = now or utcnow()
    worker_id = str(uuid.uuid4())
    hold = {channel: timedelta(seconds=digest_seconds) for channel in alerts.ALERT_CHANNELS}
    async with database.transaction() as conn:
        messages = await outbox.claim_due(
            conn,
            channels=list(handlers),
            worker_id=worker_id,
            now=now,
            lease=policy.lease,
            limit=policy.batch_size,
            hold=hold,
        )
    if not messages:
        return DeliveryReport()
    gate = asyncio.Semaphore(policy.concurrency)

    async def attempt(message: OutboxMessage) -> str | Exception:
        # Each attempt is a task of its own (gather): what a handler logs names the message.
        structlog.contextvars.bind_contextvars(org_id=message.org_id, outbox_id=message.id)
        async with gate:
            try:
                return await handlers[message.channel](message) or "delivered"
            except Exception as exc:
                return exc

    outcomes = await asyncio.gather(*(attempt(m) for m in messages))
    delivered = retrying = failed = 0
    async with database.transaction() as conn:
        for message, outcome in zip(messages, outcomes, strict=True):
            with structlog.contextvars.bound_contextvars(
                org_id=message.org_id, outbox_id=message.id
            ):
                if isinstance(outcome, str):
                    await outbox.mark_delivered(
                        conn, message, worker_id=worker_id, now=now, detail=outcome
                    )
                    delivered += 1
                    continue
                error = outcome.detail if isinstance(outcome, DeliveryError) else repr(outcome)
                permanent = isinstance(outcome, DeliveryError) and outcome.permanent
                retry_at = now + outbox.backoff(
                    message.attempts, base=policy.first_retry, cap=policy.max_retry
                )
                if permanent or retry_at - message.created_at > policy.give_up_after:
                    retry_at = None
                    failed += 1
                    log.warning(
                        "outbox %s (%s) failed for good: %s", message.id, message.channel, error
                    )
                else:
                    retrying += 1
                    log.info("outbox %s (%s) will retry: %s", message.id, message.channel, error)
                await outbox.mark_attempt_failed(
                    conn, message, worker_id=worker_id, now=now, error=error, retry_at=retry_at
                )
                if metrics is not None:
                    metrics.outbox_attempt_failed(message.channel, given_up=retry_at is None)
    return DeliveryReport(len(messages), delivered, retrying, failed)


async def run_scheduled(database: Database, *, now: datetime | None = None) -> int:
    """Apply scheduled capacity changes and invite expiries that fell due; returns the number of
    organizations settled (each in its own transaction, under its org lock)."""
    now = now or utcnow()
    async with database.read() as conn:
        org_ids = await capacity.orgs_with_due_work(conn, now=now)
    for org_id in org_ids:
        async with database.transaction() as conn:
            await capacity.lock_for_seats(conn, org_id, now=now)
    return len(org_ids)


async def run_pruning(database: Database, *, retention: timedelta) -> retention_rules.Pruned:
    """Delete events past the retention window and old processed Stripe event ids."""
    async with database.transaction() as conn:
        pruned = await retention_rules.prune(conn, retention=retention, now=utcnow())
    if pruned.events or pruned.stripe_events:
        log.info("pruned %d events, %d Stripe event ids", pruned.events, pruned.stripe_events)
    return pruned


class Worker:
    """The loop: settle due work, deliver, prune now and then, then sleep until woken by a
    commit or the poll."""

    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, OutboxHandler],
        *,
        poll_seconds: float,
        digest_seconds: float,
        policy: RetryPolicy | None = None,
        retention: timedelta = timedelta(days=30),
        prune_interval_seconds: float = 3600.0,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.database = database
        self.handlers = handlers
        self.poll_seconds = poll_seconds
        self.retention = retention
        self.prune_interval_seconds = prune_interval_seconds
        self.digest_seconds = digest_seconds
        self.policy = policy or RetryPolicy()
        self.wake = asyncio.Event()
        self.metrics = metrics

    async def run(self, stop: asyncio.Event) -> None:
        unsubscribe = outbox.subscribe(self.database.engine, self.wake.set)
        loop = asyncio.get_running_loop()
        next_pruning = loop.time()
        try:
            while not stop.is_set():
                self.wake.clear()
                busy = False
                try:
                    if loop.time() >= next_pruning:
                        next_pruning = loop.time() + self.prune_interval_seconds
                        await run_pruning(self.database, retention=self.retention)
                    await run_scheduled(self.database)
                    report = await deliver_due(
                        self.database,
                        dict(self.handlers),
                        digest_seconds=self.digest_seconds,
                        policy=self.policy,
                        metrics=self.metrics,
                    )
                    busy = report.claimed >= self.policy.batch_size
                except Exception:
                    # The database may be restarting: keep the loop alive and try again.
                    log.exception("worker step failed")
                if busy:
                    continue
                waiters = [asyncio.ensure_future(e.wait()) for e in (self.wake, stop)]
                await asyncio.wait(
                    waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            unsubscribe()


def install_worker(app: web.Application) -> None:
    """Give `app` its outbox handler registry and, when `run_worker`, the worker task."""
    app[OUTBOX_HANDLERS] = {}
    app.cleanup_ctx.append(_worker_lifecycle)


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=reveal(settings.smtp_password),
        sender=settings.smtp_sender,
        starttls=settings.smtp_starttls,
    )


def default_handlers(
    database: Database, settings: Settings, session: aiohttp.ClientSession
) -> dict[str, OutboxHandler]:
    config = smtp_config(settings)
    return alert_handlers(
        database,
        email=EmailSender(config) if config else None,
        webhooks=WebhookSender(session),
    )


async def _worker_lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, database = app[SETTINGS], app[DATABASE]
    session = aiohttp.ClientSession()
    handlers = app[OUTBOX_HANDLERS]
    for channel, handler in default_handlers(database, settings, session).items():
        handlers.setdefault(channel, handler)
    stop = asyncio.Event()
    task = None
    if settings.run_worker:
        if not settings.smtp_host:
            log.warning("SEATGATE_SMTP_HOST is not set: alert email waits in the outbox")
        worker = Worker(
            database,
            handlers,
            poll_seconds=settings.worker_poll_seconds,
            digest_seconds=settings.alert_digest_seconds,
            policy=RetryPolicy(first_retry=timedelta(seconds=settings.worker_retry_seconds)),
            retention=timedelta(days=settings.event_retention_days),
            prune_interval_seconds=settings.prune_interval_seconds,
            metrics=app.get(METRICS),
        )
        task = asyncio.create_task(worker.run(stop), name="seatgate-worker")
    try:
        yield
    finally:
        stop.set()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=30)
        await session.close()


async def run_worker_only(app: web.Application) -> None:
    """`seatgate worker`: start the app's resources and worker without listening for HTTP."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("seatgate worker running; stop with Ctrl-C or SIGTERM")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
