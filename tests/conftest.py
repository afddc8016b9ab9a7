"""Shared fixtures: a fresh, migrated database per test on every configured engine.

SQLite always runs. PostgreSQL runs too when SEATGATE_TEST_POSTGRES_URL names a server
(`scripts/test` starts one on a loopback port), so the same tests pass on both engines.
Each test gets its own database, cloned from a template migrated once per session.
"""

import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.config import Settings
from gateway.migrate import upgrade
from tests.helpers import ADMIN_TOKEN, KEY_ENCRYPTION_KEY, create_org, scim_headers_for

# The Stripe fake and billed gateways (tests/billing/support.py), for every directory that bills.
pytest_plugins = ["tests.billing.support"]

POSTGRES_URL = os.environ.get("SEATGATE_TEST_POSTGRES_URL")
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    # Every `seatgate` process the tests start inherits this, as a deployment would set it
    # (on PostgreSQL, serve and worker refuse to keep signing keys as plain PEM without it).
    os.environ.setdefault("SEATGATE_KEY_ENCRYPTION_KEYS", KEY_ENCRYPTION_KEY)


# The user property under which `report` keeps what a test measured.
MEASURED = "measured"


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Show a figure the test measured (a burst's time, a conformance table) in the run's
    summary. Printing would not do: the suite runs in pytest-xdist workers, whose output the
    run does not show; a test's properties travel with its report."""

    def add(text: str) -> None:
        request.node.user_properties.append((MEASURED, text))

    return add


def pytest_terminal_summary(terminalreporter: Any) -> None:
    measured = [
        value
        for outcome in ("passed", "failed")
        for test in terminalreporter.stats.get(outcome, [])
        if test.when == "call"
        for key, value in test.user_properties
        if key == MEASURED
    ]
    if measured:
        terminalreporter.section("measured by the tests")
        for text in measured:
            terminalreporter.line(text)


def pytest_report_header() -> str:
    return f"seatgate database engines under test: {', '.join(ENGINES)}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _psql(sql: str) -> None:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
        env=env,
        capture_output=True,
    )


def _postgres_database_url(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"seatgate_template_{uuid.uuid4().hex[:8]}"
    _psql(f"CREATE DATABASE {name}")
    upgrade(_postgres_database_url(name))
    yield name
    _psql(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "seatgate.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"seatgate_test_{uuid.uuid4().hex[:12]}"
    _psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _postgres_database_url(name)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (what `seatgate serve` first starts on)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"seatgate_empty_{uuid.uuid4().hex[:12]}"
    _psql(f"CREATE DATABASE {name}")
    yield _postgres_database_url(name)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        key_encryption_keys=KEY_ENCRYPTION_KEY,
        public_url="http://127.0.0.1",
        run_worker=False,
        scim_rate_limit_per_second=10_000,
        scim_rate_limit_burst=10_000,
        # The tests' webhook receivers listen on loopback.
        allow_private_webhook_urls=True,
    )


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def org(client: TestClient) -> dict[str, Any]:
    """An organization with no seat limit."""
    return await create_org(client)


@pytest.fixture
async def scim(client: TestClient, org: dict[str, Any]) -> AsyncIterator[dict[str, str]]:
    """Headers that authenticate SCIM requests as `org`."""
    yield await scim_headers_for(client, org["id"])
