"""A PostgreSQL restart in the middle of a provisioning burst: while the server is down every
request answers 503 with Retry-After (a SCIM error body under /scim/v2) and /readyz says not
ready; once it is back the same gateway process serves again (its pool replaces the dead
connections), and every user it acknowledged with 201 is in the database.

The test starts a PostgreSQL cluster of its own (initdb and pg_ctl under a temporary
directory, as the `postgres` user when run as root, as scripts/postgres.sh does), because it
stops that server: the shared one must stay up for the other tests. It runs wherever the suite
runs on PostgreSQL (SEATGATE_TEST_POSTGRES_URL set), and fails there if the server binaries
cannot be found.
"""

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.config import Settings
from gateway.keys import DATABASE
from gateway.migrate import upgrade
from tests.conftest import POSTGRES_URL
from tests.gateway.alert_receivers import free_port
from tests.gateway.storage_outage import (
    assert_json_unavailable,
    assert_scim_unavailable,
    user_body,
)
from tests.helpers import ADMIN_HEADERS, ADMIN_TOKEN, create_org, scim_headers_for

WORKERS = 4


def _server_binaries() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        pytest.fail(
            "SEATGATE_TEST_POSTGRES_URL is set but the PostgreSQL server binaries (initdb, "
            "pg_ctl) are not installed: install Debian's postgresql package (scripts/test does)"
        )
    return versions[-1]


class Cluster:
    """A throwaway PostgreSQL server on a free loopback port, which the test may stop."""

    def __init__(self) -> None:
        self.binaries = _server_binaries()
        self.directory = Path(tempfile.mkdtemp(prefix="seatgate-pg-restart-"))
        self.port = free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.directory, "postgres")

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def create(self) -> None:
        data = str(self.directory / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.directory} -c fsync=off"
        )
        log = str(self.directory / "log")
        self._run(
            "pg_ctl", "-D", str(self.directory / "data"), "-l", log, "-w", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: what a service manager's restart does (sessions terminated, clean shutdown)."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.create()
        cluster.start()
        upgrade(cluster.url)
        yield cluster
    finally:
        cluster.remove()


class Burst:
    """What the provisioning burst has been answered so far; waiters wake on every answer."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, str] = {}  # userName -> id, from each 201
        self.unavailable = 0
        self._changed = asyncio.Condition()

    async def record(self, user_name: str, user_id: str | None) -> None:
        async with self._changed:
            if user_id is None:
                self.unavailable += 1
            else:
                self.acknowledged[user_name] = user_id
            self._changed.notify_all()

    async def reach(self, condition: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(60), self._changed:
                await self._changed.wait_for(condition)
        except TimeoutError:
            raise AssertionError(f"not reached within 60 s: {what}") from None


# Collected wherever the suite runs on PostgreSQL, like every PostgreSQL case (tests/conftest.py).
if POSTGRES_URL:
    # "error": a connection lost mid-transaction must be closed, not left to the garbage
    # collector (which warns that the reconnect it attempted was never awaited).
    @pytest.mark.filterwarnings("error")
    async def test_a_postgresql_restart_mid_burst_answers_503_then_recovers_losing_nothing(
        own_postgres: Cluster, aiohttp_client: Any
    ) -> None:
        settings = Settings(
            database_url=own_postgres.url,
            admin_token=ADMIN_TOKEN,
            public_url="http://127.0.0.1",
            run_worker=False,
            scim_rate_limit_per_second=10_000,
            scim_rate_limit_burst=10_000,
        )
        app = create_app(settings)
        client = await aiohttp_client(app)
        org = await create_org(client)
        scim = await scim_headers_for(client, org["id"])
        burst = Burst()
        acknowledged = burst.acknowledged
        burst_over = asyncio.Event()

        async def provision(worker: int) -> None:
            for i in range(1_000_000):
                if burst_over.is_set():
                    return
                user_name = f"w{worker}-{i}@acme.test"
                response = await client.post(
                    "/scim/v2/Users", json=user_body(user_name), headers=scim
                )
                if response.status == 201:
                    await burst.record(user_name, (await response.json(content_type=None))["id"])
                else:
                    await assert_scim_unavailable(response)
                    await burst.record(user_name, None)

        workers = [asyncio.create_task(provision(w)) for w in range(WORKERS)]
        await burst.reach(lambda: len(acknowledged) >= 40, "the burst is under way")

        await asyncio.to_thread(own_postgres.stop)
        await burst.reach(lambda: burst.unavailable >= 10, "creates during the outage answer 503")
        await assert_json_unavailable(await client.get("/readyz"))
        await assert_json_unavailable(
            await client.post("/admin/v1/orgs", json={"name": "Initech"}, headers=ADMIN_HEADERS)
        )
        await assert_scim_unavailable(await client.get("/scim/v2/Users", headers=scim))
        assert (await client.get("/healthz")).status == 200

        acknowledged_before_restart = len(acknowledged)
        await asyncio.to_thread(own_postgres.start)
        await burst.reach(
            lambda: len(acknowledged) >= acknowledged_before_restart + 40,
            "creates succeed again after the restart",
        )
        burst_over.set()
        await asyncio.gather(*workers)
        assert app[DATABASE].engine.pool.checkedout() == 0  # every connection came back

        assert (await client.get("/readyz")).status == 200
        for user_name, user_id in acknowledged.items():
            response = await client.get(f"/scim/v2/Users/{user_id}", headers=scim)
            assert response.status == 200, user_name
            assert (await response.json(content_type=None))["userName"] == user_name
