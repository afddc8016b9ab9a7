"""Retention: the worker prunes feed events older than the window and the ids of processed
Stripe webhooks (which nothing pruned before), and keeps everything younger."""

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.keys import DATABASE
from gateway.worker import run_pruning
from seats import retention
from seats.clock import utcnow
from seats.storage import billing_store
from tests.auth.conftest import basic, new_product_client
from tests.gateway.events_support import feed_page, read_all
from tests.scim.support import create_user


async def test_events_inside_the_window_stay_and_older_ones_go(
    client: TestClient, org: dict[str, Any], scim: dict[str, str]
) -> None:
    credentials = await new_product_client(client)
    product = basic(credentials["client_id"], credentials["client_secret"])
    await create_user(client, scim, "ann@example.com")
    database = client.app[DATABASE]
    window = timedelta(days=30)

    async with database.transaction() as conn:
        kept = await retention.prune(conn, retention=window, now=utcnow() + timedelta(days=29))
    assert kept.events == 0
    events, _ = await read_all(client, product)
    assert len(events) == 2

    async with database.transaction() as conn:
        gone = await retention.prune(conn, retention=window, now=utcnow() + timedelta(days=31))
    assert gone.events == 2
    status, body = await feed_page(client, product, after=events[0]["id"])
    assert (status, body["error"]) == (410, "cursor_expired")


async def test_processed_stripe_webhook_ids_are_forgotten_after_the_window(
    client: TestClient,
) -> None:
    database = client.app[DATABASE]
    now = utcnow()
    async with database.transaction() as conn:
        await billing_store.record_event(
            conn, "evt_old", "customer.updated", now=now - timedelta(days=40)
        )
        await billing_store.record_event(conn, "evt_new", "customer.updated", now=now)

    pruned = await run_pruning(database, retention=timedelta(days=30))

    assert pruned.stripe_events == 1
    async with database.read() as conn:
        assert not await billing_store.already_processed(conn, "evt_old")
        assert await billing_store.already_processed(conn, "evt_new")
