"""A real `seatgate serve` process on a loopback port, for tests that need a second gateway
process on the same database (or one to kill -9)."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from tests.gateway.alert_receivers import free_port
from tests.helpers import ADMIN_TOKEN


@asynccontextmanager
async def gateway_process(
    database_url: str, **environment: str
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `seatgate serve` and wait until it answers; yield its base URL and the process.
    The process is stopped at the end (if the test has not killed it)."""
    port = free_port()
    process = spawn_gateway(database_url, port, environment)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def spawn_gateway(
    database_url: str, port: int, environment: dict[str, str]
) -> subprocess.Popen[bytes]:
    # The tests' webhook receivers listen on loopback.
    env = {
        **os.environ,
        "SEATGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SEATGATE_ALLOW_PRIVATE_WEBHOOK_URLS": "true",
        # stderr is a pipe read only once the process exits: a line per request (the access
        # log) would fill it and block the gateway's writes.
        "SEATGATE_LOG_LEVEL": "warning",
        **environment,
    }
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--database-url", database_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"the gateway exited: {process.stderr.read().decode()}")
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the gateway did not answer within 30 s")
