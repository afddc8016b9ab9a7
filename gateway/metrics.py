"""Prometheus metrics at `/metrics`: what the gateway counts per request (by route template,
never the raw path, so ids do not explode the label set), the SCIM operations by IdP profile,
the delivery failures the workers count, how long writes waited for the org lock and held it
(labelled by engine only), and gauges
read at scrape time (seats, outbox and billing-sync totals across orgs, the database pool).

Each application owns its `CollectorRegistry` (under the `METRICS` key), never the library's
global default: a process (or a test) may build many apps. The request middleware only touches
in-memory counters; the database is read when `/metrics` is scraped, with one aggregate
statement per total (seats/totals.py). With `SEATGATE_METRICS_TOKEN` set, a scrape needs
`Authorization: Bearer <token>`. docs/operations.md lists every metric.
"""

import hmac
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from auth.api_operations import documented
from gateway.config import reveal
from gateway.errors import json_error
from gateway.keys import DATABASE, SETTINGS
from scim.keys import REROUTED
from scim.telemetry import profile_of_user_agent
from seats import totals
from seats.storage.database import Database

SCIM_PREFIX = "/scim/v2"
# A request aiohttp matched to no route (404, 405): one label value, whatever the path (and
# one for those under the SCIM prefix, which the SCIM sub-app answers).
UNMATCHED = "unmatched"
SCIM_UNMATCHED = f"{SCIM_PREFIX}/{UNMATCHED}"
# Any token is a method to aiohttp: others share one label value, so a client cannot grow the
# label set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# An uncontended lock is taken in well under a millisecond; the SQLite wait gives up at 30 s.
LOCK_WAIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30)
# A create holds the lock for a few milliseconds (its statements and the commit); finer at the
# low end, where one org's ceiling (1 / hold time) is read off.
LOCK_HELD_BUCKETS = (
    0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30
)  # fmt: skip


@dataclass(frozen=True)
class GatewayMetrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    scim_operations: Counter
    outbox_failures: Counter
    event_delivery_failures: Counter
    sign_in_email_failures: Counter
    seats_used: Gauge
    seats_capacity: Gauge
    seats_over_limit: Gauge
    unlimited_orgs: Gauge
    outbox_pending: Gauge
    outbox_oldest_age: Gauge
    billing_pending_pushes: Gauge
    billing_oldest_push_age: Gauge
    billing_last_sync_age: Gauge
    org_lock_wait: Histogram
    org_lock_held: Histogram
    # `labels()` validates and locks on every call; the few label combinations a gateway sees
    # are looked up once and kept, which halves the middleware's cost (docs/operations.md).
    _children: dict[tuple[str, str, int, str], tuple[Any, ...]] = field(default_factory=dict)

    def observe(self, request: web.Request, status: int, seconds: float) -> None:
        route = route_template(request)
        scim = route.startswith(SCIM_PREFIX)
        idp = profile_of_user_agent(request.headers.get("User-Agent", "")) if scim else ""
        method = request.method if request.method in _METHODS else "OTHER"
        key = (method, route, status, idp)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._children_for(*key)
        children[0].inc()
        children[1].observe(seconds)
        if idp:
            children[2].inc()

    def _children_for(self, method: str, route: str, status: int, idp: str) -> tuple[Any, ...]:
        children = (self.requests.labels(method, route, str(status)), self.latency.labels(route))
        if idp:
            return (*children, self.scim_operations.labels(idp, method, route))
        return children

    def outbox_attempt_failed(self, channel: str, *, given_up: bool) -> None:
        self.outbox_failures.labels(channel, "given_up" if given_up else "retrying").inc()

    def event_delivery_failed(self, reason: str) -> None:
        self.event_delivery_failures.labels(reason).inc()

    def sign_in_email_failed(self) -> None:
        self.sign_in_email_failures.inc()


METRICS = web.AppKey("metrics", GatewayMetrics)


def install_metrics(app: web.Application) -> None:
    """Give `app` its registry and the `/metrics` route (the middleware is `request_metrics`)."""
    metrics = app[METRICS] = new_metrics(app[DATABASE])
    database = app[DATABASE]
    database.observe_lock_wait = metrics.org_lock_wait.observe
    database.observe_lock_held = metrics.org_lock_held.labels(database.engine.dialect.name).observe
    app.router.add_get("/metrics", _scrape)


def new_metrics(database: Database) -> GatewayMetrics:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    pool = database.engine.pool
    # Read by the scrape itself: no work between scrapes.
    for name, what, read in (
        ("seatgate_database_pool_size", "Connections the pool keeps open", "size"),
        ("seatgate_database_pool_checked_out", "Connections in use right now", "checkedout"),
    ):
        reader = getattr(pool, read, None)
        if reader is not None:
            Gauge(name, what, registry=registry).set_function(reader)
    return GatewayMetrics(
        registry=registry,
        requests=Counter(
            "seatgate_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "seatgate_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["route"],
            registry=registry,
        ),
        scim_operations=Counter(
            "seatgate_scim_operations",
            "SCIM requests by the identity provider's profile (from its User-Agent)",
            ["idp", "method", "route"],
            registry=registry,
        ),
        outbox_failures=Counter(
            "seatgate_outbox_delivery_failures",
            "Failed outbox delivery attempts (alert email, alert webhook, billing push)",
            ["channel", "outcome"],
            registry=registry,
        ),
        event_delivery_failures=Counter(
            "seatgate_event_delivery_failures",
            "Failed deliveries of the event feed to event webhook endpoints",
            ["reason"],
            registry=registry,
        ),
        sign_in_email_failures=Counter(
            "seatgate_console_sign_in_email_failures",
            "Console sign-in emails the SMTP server did not take (they bypass the outbox)",
            registry=registry,
        ),
        seats_used=_gauge(registry, "seatgate_seats_used", "Counted seats, summed over orgs"),
        seats_capacity=_gauge(
            registry, "seatgate_seats_capacity", "Seat limits summed over orgs that have one"
        ),
        seats_over_limit=_gauge(
            registry, "seatgate_seats_over_limit", "Members over their org's seat limit"
        ),
        unlimited_orgs=_gauge(
            registry, "seatgate_orgs_without_seat_limit", "Organizations with no seat limit"
        ),
        outbox_pending=_gauge(
            registry, "seatgate_outbox_pending", "Outbox messages neither delivered nor given up"
        ),
        outbox_oldest_age=_gauge(
            registry,
            "seatgate_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox message (0 when none)",
        ),
        billing_pending_pushes=_gauge(
            registry, "seatgate_billing_pending_pushes", "Seat pushes to Stripe not yet delivered"
        ),
        billing_oldest_push_age=_gauge(
            registry,
            "seatgate_billing_oldest_pending_push_age_seconds",
            "Age of the oldest seat push to Stripe not yet delivered (0 when none)",
        ),
        billing_last_sync_age=_gauge(
            registry,
            "seatgate_billing_last_sync_age_seconds",
            "Time since the newest successful Stripe subscription sync of any org (NaN: never)",
        ),
        org_lock_wait=Histogram(
            "seatgate_org_lock_wait_seconds",
            "Time a write waited for the lock that serializes seat decisions (PostgreSQL: the "
            "org row; SQLite: the database's write lock)",
            buckets=LOCK_WAIT_BUCKETS,
            registry=registry,
        ),
        org_lock_held=Histogram(
            "seatgate_org_lock_held_seconds",
            "Time from taking the lock that serializes seat decisions to the end (commit or "
            "rollback) of the transaction that took it, by database engine",
            ["engine"],
            buckets=LOCK_HELD_BUCKETS,
            registry=registry,
        ),
    )


def _gauge(registry: CollectorRegistry, name: str, documentation: str) -> Gauge:
    return Gauge(name, documentation, registry=registry)


def route_template(request: web.Request) -> str:
    """The matched route's template (`/scim/v2/Users/{id}`); for a SCIM path spelled otherwise
    (`/scim/v2/users/2819c223/`), the route the SCIM sub-app found for it (scim/app.py)."""
    resource = request.get(REROUTED, request.match_info).route.resource
    if resource is not None:
        return resource.canonical
    return SCIM_UNMATCHED if request.path.startswith(SCIM_PREFIX + "/") else UNMATCHED


@web.middleware
async def request_metrics(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    started = time.perf_counter()
    # An exception that escapes every error middleware is answered 500 by aiohttp.
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        # The middleware belongs to the root app, which holds METRICS (cheaper than config_dict).
        request.app[METRICS].observe(request, status, time.perf_counter() - started)


@documented(
    summary="Prometheus metrics (text exposition format)",
    tag="Operations",
    security="metrics",
    response_media_type="text/plain",
)
async def _scrape(request: web.Request) -> web.Response:
    token = reveal(request.config_dict[SETTINGS].metrics_token)
    if token and not _bearer_matches(request, token):
        response = json_error(401, "unauthorized", "send Authorization: Bearer <metrics token>")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    metrics = request.config_dict[METRICS]
    async with request.config_dict[DATABASE].read() as conn:
        seats = await totals.seat_totals(conn)
        backlog = await totals.outbox_backlog(conn)
        billing = await totals.billing_sync(conn)
    metrics.seats_used.set(seats.used)
    metrics.seats_capacity.set(seats.capacity)
    metrics.seats_over_limit.set(seats.over_limit)
    metrics.unlimited_orgs.set(seats.unlimited_orgs)
    metrics.outbox_pending.set(backlog.pending)
    metrics.outbox_oldest_age.set(backlog.oldest_age_seconds)
    metrics.billing_pending_pushes.set(billing.pending_pushes)
    metrics.billing_oldest_push_age.set(billing.oldest_push_age_seconds)
    last_sync = billing.last_sync_age_seconds
    metrics.billing_last_sync_age.set(math.nan if last_sync is None else last_sync)
    return web.Response(
        body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )
