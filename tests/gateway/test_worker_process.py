"""The worker where it runs: inside the gateway (woken by the commit that queued an alert) and
as its own `seatgate worker` process, which may be killed and restarted without losing alerts."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from seats import members, outbox
from seats.model import MemberDraft
from seats.orgs import create_org
from seats.storage.database import Database
from tests.gateway.alert_receivers import WebhookSink
from tests.helpers import create_org as create_org_through_api


async def eventually(check: Callable[[], Any], *, within: float) -> None:
    for _ in range(int(within / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not true after {within}s")


async def test_the_gateways_worker_sends_an_alert_right_after_its_commit(
    aiohttp_client: Any, settings: Settings
) -> None:
    hook = await WebhookSink().start()
    try:
        # A poll of a minute: only the after-commit wake-up can make this quick.
        live = settings.with_overrides(
            run_worker=True, alert_digest_seconds=0, worker_poll_seconds=60.0
        )
        client = await aiohttp_client(create_app(live))
        org = await create_org_through_api(client, seat_limit=0, webhook_url=hook.url)
        await asyncio.sleep(0.1)  # let the worker's first pass finish and go to sleep
        async with client.app[DATABASE].transaction() as conn:
            await members.create_member(conn, org["id"], MemberDraft("ann"), actor="idp")

        async def delivered() -> bool:
            return len(hook.calls) == 1

        await eventually(delivered, within=5)
        assert hook.calls[0].json["alerts"][0]["kind"] == "seat_limit_reached"
    finally:
        await hook.stop()


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SEATGATE_ALERT_DIGEST_SECONDS": "0",
        "SEATGATE_WORKER_POLL_SECONDS": "0.1",
        "SEATGATE_WORKER_RETRY_SECONDS": "0.2",
    }
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--database-url", database_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_a_killed_worker_process_loses_nothing_and_a_restarted_one_delivers(
    database_url: str,
) -> None:
    hook = WebhookSink()  # not listening yet: the receiver is down
    database = Database(database_url)
    process = None
    try:
        async with database.transaction() as conn:
            org = await create_org(conn, name="Acme", seat_limit=0, webhook_url=hook.url)
            await members.create_member(conn, org.id, MemberDraft("ann"), actor="idp")

        async def failed_once() -> bool:
            async with database.read() as conn:
                return any(not d.ok for d in await outbox.list_deliveries(conn, org.id))

        process = start_worker(database_url)
        await eventually(failed_once, within=20)
        process.send_signal(signal.SIGKILL)
        process.wait()

        await hook.start()
        process = start_worker(database_url)

        async def delivered() -> bool:
            return len(hook.calls) >= 1

        await eventually(delivered, within=20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, process.stderr.read() if process.stderr else ""
        assert len(hook.calls) == 1
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        await hook.stop()
        await database.dispose()
