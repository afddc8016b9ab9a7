"""/metrics, the lags: how far Stripe is behind (pending seat pushes, their age, the time since
the last subscription sync, read at scrape time), how long writes waited for the org lock and
how long they held it."""

import asyncio
import math

import pytest
from aiohttp.test_utils import TestClient

from gateway.config import Settings
from gateway.keys import DATABASE
from seats.billing.pushes import BILLING_PUSH
from seats.orgs import lock_org
from tests.billing.support import Billed
from tests.gateway.storage_outage import user_body
from tests.gateway.test_metrics import provision, scrape, value
from tests.helpers import scim_headers_for

pytest_plugins = ["tests.billing.support"]
HELD_SECONDS = 0.5


async def test_a_seat_push_waiting_for_stripe_shows_as_billing_lag_until_delivered(
    billed: Billed,
) -> None:
    before = await scrape(billed.client)
    assert math.isnan(value(before, "seatgate_billing_last_sync_age_seconds"))
    assert value(before, "seatgate_billing_pending_pushes") == 0

    org = await billed.org(seat_policy="auto_expand")
    await billed.subscribe(org["id"], 1)
    await billed.provision(org["id"], "a@x.io", "b@x.io")
    await asyncio.sleep(0.05)
    waiting = await scrape(billed.client)
    assert value(waiting, "seatgate_billing_pending_pushes") == 1
    assert 0 < value(waiting, "seatgate_billing_oldest_pending_push_age_seconds") < 60
    assert 0 <= value(waiting, "seatgate_billing_last_sync_age_seconds") < 60

    assert (await billed.deliver_outbox(BILLING_PUSH)).delivered == 1
    delivered = await scrape(billed.client)
    assert value(delivered, "seatgate_billing_pending_pushes") == 0
    assert value(delivered, "seatgate_billing_oldest_pending_push_age_seconds") == 0


async def test_a_create_behind_a_held_org_lock_shows_its_wait(
    client: TestClient, org: dict[str, str]
) -> None:
    await provision(client, org["id"], "first@acme.test")
    quiet = await scrape(client)
    assert value(quiet, "seatgate_org_lock_wait_seconds_count") >= 1

    locked = asyncio.Event()

    async def hold_the_lock() -> None:
        async with client.app[DATABASE].transaction() as conn:
            await lock_org(conn, org["id"])
            locked.set()
            await asyncio.sleep(HELD_SECONDS)

    scim = await scim_headers_for(client, org["id"])
    holder = asyncio.create_task(hold_the_lock())
    await locked.wait()
    created = await client.post("/scim/v2/Users", json=user_body("second@acme.test"), headers=scim)
    assert created.status == 201
    await holder
    waited = await scrape(client)
    slow = value(waited, "seatgate_org_lock_wait_seconds_count") - value(
        waited, "seatgate_org_lock_wait_seconds_bucket", le="0.1"
    )
    assert slow >= 1


def engine_of(settings: Settings) -> str:
    return "postgresql" if settings.database_url.startswith("postgresql") else "sqlite"


async def test_every_create_reports_how_long_it_held_the_org_lock_under_its_engine(
    client: TestClient, org: dict[str, str], settings: Settings
) -> None:
    creates = 5
    await provision(client, org["id"], *(f"user{n}@acme.test" for n in range(creates)))
    samples = await scrape(client)
    engine = engine_of(settings)
    assert value(samples, "seatgate_org_lock_held_seconds_count", engine=engine) >= creates
    assert value(samples, "seatgate_org_lock_held_seconds_sum", engine=engine) > 0
    assert not any(
        name.startswith("seatgate_org_lock_held") and set(dict(labels)) - {"engine", "le"}
        for name, labels in samples
    )


async def test_the_hold_lasts_until_the_transaction_that_took_the_lock_ends(
    client: TestClient, org: dict[str, str], settings: Settings
) -> None:
    async with client.app[DATABASE].transaction() as conn:
        await lock_org(conn, org["id"])
        await asyncio.sleep(HELD_SECONDS)
    samples = await scrape(client)
    engine = engine_of(settings)
    held_long = value(samples, "seatgate_org_lock_held_seconds_count", engine=engine) - value(
        samples, "seatgate_org_lock_held_seconds_bucket", engine=engine, le="0.1"
    )
    assert held_long == 1


async def test_a_transaction_rolled_back_after_taking_the_lock_reports_its_hold(
    client: TestClient, org: dict[str, str], settings: Settings
) -> None:
    held = "seatgate_org_lock_held_seconds_count"
    engine = engine_of(settings)
    before = value(await scrape(client), held, engine=engine)
    with pytest.raises(RuntimeError):
        async with client.app[DATABASE].transaction() as conn:
            await lock_org(conn, org["id"])
            raise RuntimeError("the use case failed")
    assert value(await scrape(client), held, engine=engine) == before + 1
