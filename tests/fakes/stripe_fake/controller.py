"""`StripeFake`: what a test holds - the app, its base URL once started, seeding helpers,
changes made "outside the app" (dashboard edits, declined cards, time passing), webhook delivery
controls and failure injection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from aiohttp import web

from tests.fakes.stripe_fake import billing_routes, catalog, lifecycle, previews, subscriptions
from tests.fakes.stripe_fake.routes import STORE_KEY, routes
from tests.fakes.stripe_fake.store import Store
from tests.fakes.stripe_fake.traffic import (
    TRAFFIC_KEY,
    FailureKind,
    InjectedFailure,
    LoggedRequest,
    Traffic,
    stripe_middleware,
)
from tests.fakes.stripe_fake.webhooks import Delivery, Order, WebhookOutbox, payload_of, sign

Record = dict[str, Any]


def create_stripe_fake(
    store: Store | None = None, traffic: Traffic | None = None
) -> web.Application:
    """The aiohttp application speaking Stripe's v1 wire format."""
    app = web.Application(middlewares=[stripe_middleware])
    app[STORE_KEY] = store or Store()
    app[TRAFFIC_KEY] = traffic or Traffic()
    app.add_routes(routes)
    app.add_routes(billing_routes.routes)
    app.add_routes(previews.routes)
    return app


class StripeFake:
    """A Stripe account on loopback. `async with StripeFake() as fake:` starts and stops it."""

    def __init__(self, *, api_key: str | None = None, now: int | None = None) -> None:
        self.store = Store(now)
        self.traffic = Traffic(api_key=api_key)
        self.app = create_stripe_fake(self.store, self.traffic)
        self.base_url: str | None = None  # set by start(); or set it when serving `app` yourself
        self.webhooks = WebhookOutbox(self.store.events)
        self.store.on_event.append(self.webhooks.on_event)
        self._runner: web.AppRunner | None = None

    # -- running ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.base_url = f"http://{host}:{bound[1]}"
        return self.base_url

    async def close(self) -> None:
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StripeFake:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- seeding, as if set up in the dashboard -----------------------------------------------

    def create_product(
        self,
        name: str = "Seats",
        *,
        metadata: Mapping[str, str] | None = None,
        id: str | None = None,
    ) -> Record:
        return self.store.render(
            catalog.create_product(self.store, name=name, metadata=metadata, id=id)
        )

    def create_price(
        self,
        product: str | None = None,
        *,
        unit_amount: int | None = 1000,
        currency: str = "usd",
        interval: str = "month",
        interval_count: int = 1,
        metadata: Mapping[str, str] | None = None,
        product_metadata: Mapping[str, str] | None = None,
        tiers_mode: str | None = None,
        tiers: Sequence[tuple[int | None, int | None, int | None]] | None = None,
        lookup_key: str | None = None,
    ) -> Record:
        """A recurring price; creates its product (with `product_metadata`) when none is given.
        Tiers are (up_to, unit_amount, flat_amount), the last with up_to None."""
        if product is None:
            product = self.create_product(metadata=product_metadata)["id"]
        record = catalog.create_price(
            self.store,
            product_id=product,
            currency=currency,
            unit_amount=unit_amount,
            interval=interval,
            interval_count=interval_count,
            billing_scheme="tiered" if tiers else "per_unit",
            tiers_mode=tiers_mode,
            tiers=tiers,
            metadata=metadata,
            lookup_key=lookup_key,
            nickname=None,
        )
        return self.store.render(record)

    def create_customer(
        self, email: str | None = "owner@example.com", *, metadata: Mapping[str, str] | None = None
    ) -> Record:
        return self.store.render(
            catalog.create_customer(self.store, email=email, metadata=metadata)
        )

    def create_subscription(
        self,
        items: Iterable[tuple[str, int] | subscriptions.ItemSpec],
        *,
        customer: str | None = None,
        metadata: Mapping[str, str] | None = None,
        customer_metadata: Mapping[str, str] | None = None,
        trial_period_days: int | None = None,
    ) -> Record:
        """A subscription on `items`, (price_id, quantity) pairs; creates a customer if needed."""
        if customer is None:
            customer = self.create_customer(metadata=customer_metadata)["id"]
        specs = [
            i if isinstance(i, subscriptions.ItemSpec) else subscriptions.ItemSpec(*i)
            for i in items
        ]
        record = subscriptions.create_subscription(
            self.store,
            customer_id=customer,
            items=specs,
            metadata=metadata,
            trial_period_days=trial_period_days,
        )
        return self.store.render(record)

    # -- inspection ---------------------------------------------------------------------------

    def subscription(self, subscription_id: str) -> Record:
        return self.store.render(self.store.get("subscriptions", subscription_id))

    def item(self, item_id: str) -> Record:
        return self.store.render(self.store.get("items", item_id))

    def checkout_session(self, session_id: str) -> Record:
        return self.store.render(self.store.get("sessions", session_id))

    def events(self, type: str = "*") -> list[Record]:
        """Emitted events, oldest first; `type` may be a wildcard like `customer.subscription.*`."""
        return [e for e in self.store.events.values() if fnmatchcase(e["type"], type)]

    def requests(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """The request log, oldest first; `path` is a prefix."""
        return [
            r
            for r in self.traffic.log
            if (method is None or r.method == method.upper())
            and (path is None or r.path.startswith(path))
        ]

    @property
    def prorations(self) -> list[Record]:
        return self.store.prorations

    # -- changes outside the app (each emits what Stripe would) ------------------------------

    async def complete_checkout(self, session_id: str, *, email: str | None = None) -> Record:
        """The buyer pays: creates customer + subscription; returns the completed session."""
        session = lifecycle.complete_checkout(self.store, session_id, email=email)
        await self._after_change()
        return self.store.render(session)

    async def set_item_quantity(
        self, item_id: str, quantity: int, *, proration_behavior: str = "create_prorations"
    ) -> Record:
        subscriptions.update_item(
            self.store, item_id, quantity=quantity, proration_behavior=proration_behavior
        )
        await self._after_change()
        return self.subscription(self.store.items[item_id]["subscription"])

    async def add_item(self, subscription_id: str, price_id: str, quantity: int = 1) -> Record:
        item = subscriptions.add_item(
            self.store, subscription_id, price_id=price_id, quantity=quantity
        )
        await self._after_change()
        return self.store.render(item)

    async def remove_item(self, item_id: str) -> None:
        subscriptions.delete_item(self.store, item_id, proration_behavior="create_prorations")
        await self._after_change()

    async def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool = False
    ) -> Record:
        if at_period_end:
            subscriptions.update_subscription(
                self.store, subscription_id, cancel_at_period_end=True
            )
        else:
            subscriptions.cancel_subscription(self.store, subscription_id)
        await self._after_change()
        return self.subscription(subscription_id)

    async def fail_payment(self, subscription_id: str, *, final: bool = False) -> Record:
        """A declined charge: invoice.payment_failed, then past_due (or unpaid when `final`)."""
        lifecycle.fail_payment(self.store, subscription_id, final=final)
        await self._after_change()
        return self.subscription(subscription_id)

    async def recover_payment(self, subscription_id: str) -> Record:
        lifecycle.recover_payment(self.store, subscription_id)
        await self._after_change()
        return self.subscription(subscription_id)

    async def advance_clock(self, seconds: int | None = None, *, to: int | None = None) -> None:
        """Move the fake's clock: trials end, periods renew, period-end cancels happen."""
        target = to if to is not None else self.store.now + (seconds or 0)
        lifecycle.advance_clock(self.store, target)
        await self._after_change()

    async def advance_to_period_end(self, subscription_id: str) -> None:
        sub = self.store.get("subscriptions", subscription_id)
        await self.advance_clock(to=subscriptions.period_end(self.store, sub))

    # -- failure injection --------------------------------------------------------------------

    def fail_next(
        self,
        kind: FailureKind = "server_error",
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next `times` matching requests fail (`path` is a prefix)."""
        self.traffic.failures.append(InjectedFailure(kind, times, method, path, message))

    def clear_failures(self) -> None:
        self.traffic.failures.clear()

    # -- webhooks -----------------------------------------------------------------------------

    def configure_webhook(
        self,
        url: str,
        secret: str,
        *,
        auto_deliver: bool = True,
        enabled_events: Sequence[str] = ("*",),
    ) -> None:
        """Deliver events created from now on to `url`; with `auto_deliver` off (or while
        held) they wait in `pending` until `deliver_pending()`."""
        self.webhooks.configure(
            url, secret, auto_deliver=auto_deliver, enabled_events=enabled_events
        )

    @property
    def pending(self) -> list[str]:
        """Ids of events waiting for delivery, oldest first."""
        return self.webhooks.pending

    @property
    def deliveries(self) -> list[Delivery]:
        return self.webhooks.deliveries

    @property
    def auto_deliver(self) -> bool:
        return self.webhooks.auto_deliver

    @auto_deliver.setter
    def auto_deliver(self, value: bool) -> None:
        self.webhooks.auto_deliver = value

    def hold_webhooks(self) -> None:
        self.webhooks.held = True

    async def release_webhooks(self, order: Order = "oldest_first") -> list[Delivery]:
        self.webhooks.held = False
        return await self.webhooks.deliver_pending(order=order)

    async def deliver_pending(
        self, *, order: Order = "oldest_first", duplicate: bool = False
    ) -> list[Delivery]:
        """Deliver every pending event; `newest_first` delivers out of order, `duplicate`
        delivers each twice (Stripe guarantees at-least-once, not exactly-once)."""
        return await self.webhooks.deliver_pending(order=order, duplicate=duplicate)

    async def deliver(
        self,
        event_id: str,
        *,
        times: int = 1,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> list[Delivery]:
        """Deliver one event now (again, if it was already delivered), optionally signed with
        another secret or an old timestamp."""
        return await self.webhooks.deliver(
            event_id, times=times, timestamp=timestamp, secret=secret
        )

    def discard_pending(self) -> None:
        self.webhooks.pending.clear()

    async def settle(self) -> None:
        """Wait for background deliveries of events caused by API calls."""
        await self.webhooks.settle()

    def sign(self, payload: str, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """A Stripe-Signature header for `payload`, with the endpoint secret unless given."""
        if secret is None:
            if self.webhooks.sender is None:
                raise RuntimeError("configure_webhook() first, or pass secret=")
            secret = self.webhooks.sender.secret
        return sign(payload, secret, timestamp)

    def event_payload(self, event_id: str) -> str:
        """The exact body a delivery of this event carries."""
        return payload_of(self.store.events[event_id])

    async def _after_change(self) -> None:
        if self.webhooks.auto_deliver:
            await self.webhooks.settle()
