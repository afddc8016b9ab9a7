"""The five servers measured side by side, and how each is started and made ready for the load.

- `sqlite`: seatgate (`seatgate serve`) on a fresh SQLite file in a temporary directory;
- `postgres`: seatgate on a fresh database of a throwaway PostgreSQL cluster (postgres.py);
- `peer`: scim2-server's ASGI application with its async in-memory storage, under uvicorn;
- `django`: django-scim2 on SQLite (WAL, every commit synced) under gunicorn with 8 threads, the
  durable peer (django_peer/);
- `ceiling`: a bare aiohttp handler that parses a SCIM user and answers 201 (ceiling_server.py).

For seatgate, set-up goes through the admin API: one organization without a seat limit, a SCIM
token, and a product client for token issuance and the event feed; and a second organization
with a seat limit (plan.LIMITED_SEATS) and a SCIM token of its own, for the limited-org row. A
set-up call that fails (an endpoint not written yet) does not stop the run: the steps that
needed it show the failure as an error row.
"""

import base64
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.bench.django_peer import TOKEN as DJANGO_TOKEN
from tests.bench.plan import LIMITED_SEATS
from tests.bench.postgres import throwaway_cluster
from tests.bench.servers import ServerProcess, free_port

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "bench-admin-token"
# A Fernet key for SEATGATE_KEY_ENCRYPTION_KEYS (benchmark databases are thrown away).
KEY_ENCRYPTION_KEY = "Fh3l0Oq6o7bqSx2Vv0tZk1Jm1wVxQ0m4eG0y8K3o2nY="
SCIM_MEDIA_TYPE = "application/scim+json"
# The rate limiter stays in the request path, with limits the load never reaches.
NO_RATE_LIMIT = "1000000000"

TARGETS = ("sqlite", "postgres", "peer", "django", "ceiling")
LABELS = {
    "sqlite": "seatgate/sqlite",
    "postgres": "seatgate/postgresql",
    "peer": "scim2-server (peer)",
    "django": "django-scim2 (durable peer)",
    "ceiling": "bare aiohttp (ceiling)",
}
# What each kind of server can be asked; the other steps show n/a.
SEATGATE_ABILITIES = frozenset(
    {"users", "limited", "deprovision", "reads", "groups", "tokens", "feed"}
)
ABILITIES = {
    "sqlite": SEATGATE_ABILITIES,
    "postgres": SEATGATE_ABILITIES,
    "peer": frozenset({"users", "reads", "groups", "deprovision"}),
    "django": frozenset({"users", "reads", "deprovision"}),
    "ceiling": frozenset({"users"}),
}


@dataclass
class Session:
    """What the steps need to talk to one running server."""

    key: str
    scim: str  # the SCIM base path, e.g. /scim/v2
    scim_headers: dict[str, str]
    org_id: str | None = None
    product_headers: dict[str, str] | None = None
    # SCIM headers for the second org, the one with a seat limit (seatgate only).
    limited_scim_headers: dict[str, str] | None = None
    # Why a capability is unusable although the server should have it (a set-up call failed).
    broken: dict[str, str] = field(default_factory=dict)
    # The server process's CPU seconds so far (PostgreSQL's own processes are not counted).
    cpu_clock: Callable[[], float | None] | None = None

    @property
    def abilities(self) -> frozenset[str]:
        return ABILITIES[self.key]


@asynccontextmanager
async def launch(key: str, workdir: Path) -> AsyncIterator[tuple[ServerProcess, Session]]:
    """Start one server, wait until it answers, set it up, and stop it on the way out."""
    with ExitStack() as stack:
        server = stack.enter_context(_started(key, workdir))
        ready = "/v2/ServiceProviderConfig" if key == "peer" else "/healthz"
        await server.wait_ready(ready)
        if key in ("sqlite", "postgres"):
            session = await seatgate_session(key, server.base_url)
            await add_limited_org(session, server.base_url)
        elif key == "peer":
            session = Session(key, "/v2", {"Content-Type": SCIM_MEDIA_TYPE})
        elif key == "django":
            headers = {"Content-Type": SCIM_MEDIA_TYPE, "Authorization": f"Bearer {DJANGO_TOKEN}"}
            session = Session(key, "/scim/v2", headers)
        else:
            session = Session(key, "/scim/v2", {"Content-Type": SCIM_MEDIA_TYPE})
        session.cpu_clock = server.cpu_seconds
        yield server, session


@contextmanager
def _started(key: str, workdir: Path) -> Iterator[ServerProcess]:
    port = free_port()
    log = workdir / f"{key}.log"
    with ExitStack() as stack:
        if key == "sqlite":
            argv = seatgate_argv(port, f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
            env = seatgate_env()
        elif key == "postgres":
            argv = seatgate_argv(port, stack.enter_context(throwaway_cluster()))
            env = seatgate_env()
        elif key == "peer":
            argv = _peer_argv(port)
            env = {}
        elif key == "django":
            env = _migrated_django(workdir)
            argv = _django_argv(port)
        else:
            argv = [sys.executable, "-m", "tests.bench.ceiling_server", "--port", str(port)]
            env = {}
        server = ServerProcess(LABELS[key], argv, port=port, log_path=log, env=env, cwd=REPO)
        try:
            yield server
        finally:
            server.stop()


def seatgate_argv(port: int, database_url: str) -> list[str]:
    script = shutil.which("seatgate", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "gateway.cli"]
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    return [*command, "serve", *listen, "--database-url", database_url]


def seatgate_env() -> dict[str, str]:
    return {
        "SEATGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SEATGATE_SCIM_RATE_LIMIT_PER_SECOND": NO_RATE_LIMIT,
        "SEATGATE_SCIM_RATE_LIMIT_BURST": NO_RATE_LIMIT,
        # The mass-deprovisioning guard likewise: past its count it would hold the DELETE
        # and deactivation rows' requests for an admin instead of freeing seats.
        "SEATGATE_DEPROVISION_GUARD_SHARE": "1",
        "SEATGATE_DEPROVISION_GUARD_COUNT": NO_RATE_LIMIT,
        # As a deployment runs (serve refuses plaintext signing keys on PostgreSQL).
        "SEATGATE_KEY_ENCRYPTION_KEYS": KEY_ENCRYPTION_KEY,
    }


def _peer_argv(port: int) -> list[str]:
    # httptools is uvicorn's C HTTP parser, as aiohttp has its own: neither side runs a pure
    # Python parser. The access log is off (uvicorn's is optional; seatgate's is not). Idle
    # connections are kept 75 s, aiohttp's default, not uvicorn's 5 s, so the client's pooled
    # connections survive the pause between two steps.
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return [
        sys.executable, "-m", "uvicorn", "--factory", "tests.bench.peer_app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--loop", "asyncio", "--http", http,
        "--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "75",
    ]  # fmt: skip


def _migrated_django(workdir: Path) -> dict[str, str]:
    """The durable peer's environment, its SQLite file created and migrated."""
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.bench.django_peer.settings",
        "BENCH_DJANGO_DB": str(workdir / "django.db"),
    }
    migrate = [sys.executable, "-m", "django", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, env={**os.environ, **env}, cwd=REPO, check=True, capture_output=True)
    return env


def _django_argv(port: int) -> list[str]:
    # One worker process with 8 threads, as the issue measured it; keep-alive 75 s as for the
    # peer; gunicorn writes no access log unless asked.
    return [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "8",
        "--bind", f"127.0.0.1:{port}", "--keep-alive", "75", "--log-level", "warning",
        "tests.bench.django_peer.wsgi:application",
    ]  # fmt: skip


async def seatgate_session(key: str, base_url: str) -> Session:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    session = Session(key, "/scim/v2", {"Content-Type": SCIM_MEDIA_TYPE})
    async with aiohttp.ClientSession(base_url, headers=admin) as http:
        org, problem = await _post(http, "/admin/v1/orgs", {"name": "Bench"})
        if org is None:
            for ability in ABILITIES[key]:
                session.broken[ability] = problem
            return session
        session.org_id = org["id"]
        token, problem = await _post(http, f"/admin/v1/orgs/{org['id']}/scim-tokens", {})
        if token is None:
            for ability in ("users", "reads", "groups"):
                session.broken[ability] = problem
        else:
            session.scim_headers["Authorization"] = f"Bearer {token['token']}"
        client, problem = await _post(http, f"/admin/v1/orgs/{org['id']}/clients", {})
        if client is None:
            session.broken["tokens"] = session.broken["feed"] = problem
        else:
            basic = f"{client['client_id']}:{client['client_secret']}".encode()
            session.product_headers = {
                "Authorization": "Basic " + base64.b64encode(basic).decode(),
                "Content-Type": "application/json",
            }
    return session


async def add_limited_org(session: Session, base_url: str) -> None:
    """The second org: seat_limit set through PATCH /admin/v1/orgs/{id}, and its SCIM token."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with aiohttp.ClientSession(base_url, headers=admin) as http:
        org, problem = await _post(http, "/admin/v1/orgs", {"name": "Bench limited"})
        if org is not None:
            path = f"/admin/v1/orgs/{org['id']}"
            org, problem = await _send(http, "PATCH", path, {"seat_limit": LIMITED_SEATS}, 200)
        if org is not None:
            path = f"/admin/v1/orgs/{org['id']}/scim-tokens"
            token, problem = await _post(http, path, {})
            if token is not None:
                session.limited_scim_headers = {
                    **session.scim_headers,
                    "Authorization": f"Bearer {token['token']}",
                }
                return
        session.broken["limited"] = problem


async def _post(
    http: aiohttp.ClientSession, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    return await _send(http, "POST", path, body, 201)


async def _send(
    http: aiohttp.ClientSession, method: str, path: str, body: dict[str, Any], status: int
) -> tuple[dict[str, Any] | None, str]:
    try:
        async with http.request(method, path, json=body) as response:
            text = await response.text()
            if response.status != status:
                return None, f"set-up {method} {path}: HTTP {response.status} {text[:160]}"
            return json.loads(text), ""
    except (aiohttp.ClientError, ValueError) as exc:
        return None, f"set-up {method} {path}: {type(exc).__name__}: {exc}"
