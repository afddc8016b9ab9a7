"""How long `seatgate --help` takes, and how long `seatgate serve` takes to answer.

    python -m tests.bench.startup              # 5 runs of each
    python -m tests.bench.startup --runs 9

`seatgate --help`: the wall time of the whole process, start to exit.

`seatgate serve`, each run on a fresh SQLite file in a temporary directory and a free
127.0.0.1 port: the seconds from starting the process to the first 200 of GET /healthz (polled
every 10 ms), on the empty database (migrations run) and again on restarting over the same,
migrated file; then, on that restart, the seconds from the process's start until the first SCIM
answer (an organization and a SCIM token made through the admin API, then GET /scim/v2/Users,
which must be a 200 ListResponse): deferring work past /healthz must not just move it into the
first SCIM request. Every figure is printed as min and median over the runs.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from tests.bench.servers import free_port
from tests.bench.targets import ADMIN_TOKEN, seatgate_argv, seatgate_env

POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 60.0


def time_help() -> float:
    serve = seatgate_argv(0, "unused")
    command = serve[: serve.index("serve")]  # the script (or python -m gateway.cli) alone
    started = time.perf_counter()
    subprocess.run([*command, "--help"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_serve(database_url: str, *, first_scim_answer: bool) -> tuple[float, float | None]:
    """Seconds from start to the first /healthz 200, and to the first SCIM answer if asked."""
    port = free_port()
    environment = {**os.environ, **seatgate_env()}
    started = time.perf_counter()
    process = subprocess.Popen(
        seatgate_argv(port, database_url),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        healthy = _poll(port, process) - started
        scim = _first_scim_answer(port) - started if first_scim_answer else None
        return healthy, scim
    finally:
        process.terminate()
        process.wait(timeout=30)


def _poll(port: int, process: subprocess.Popen[bytes]) -> float:
    deadline = time.perf_counter() + GIVE_UP_SECONDS
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"seatgate serve exited with {process.returncode}")
        try:
            status, _ = _request(port, "GET", "/healthz")
            if status == 200:
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"seatgate serve did not answer /healthz within {GIVE_UP_SECONDS} s")


def _first_scim_answer(port: int) -> float:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    _, org = _request(port, "POST", "/admin/v1/orgs", {"name": "Start-up"}, admin)
    _, token = _request(port, "POST", f"/admin/v1/orgs/{org['id']}/scim-tokens", None, admin)
    scim = {"Authorization": f"Bearer {token['token']}"}
    status, listing = _request(port, "GET", "/scim/v2/Users", None, scim)
    answered = time.perf_counter()
    if status != 200 or listing.get("totalResults") != 0:
        raise SystemExit(f"the first SCIM answer was wrong: {status} {listing}")
    return answered


def _request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data.startswith(b"{") else None
    finally:
        connection.close()


def _row(label: str, seconds: list[float]) -> str:
    return f"| {label} | {min(seconds):.3f} | {statistics.median(seconds):.3f} |"


def _measure(runs: int, measure: Callable[[], None]) -> None:
    measure()  # one warm-up run, not counted: the first one pays for cold file caches
    for _ in range(runs):
        measure()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args()

    helps: list[float] = []
    fresh: list[float] = []
    restart: list[float] = []
    scim: list[float] = []

    def one_serve_run() -> None:
        with TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'seatgate.db'}"
            fresh.append(time_serve(url, first_scim_answer=False)[0])
            healthy, answered = time_serve(url, first_scim_answer=True)
            restart.append(healthy)
            assert answered is not None
            scim.append(answered)

    _measure(args.runs, lambda: helps.append(time_help()))
    _measure(args.runs, one_serve_run)
    for figures in (helps, fresh, restart, scim):
        del figures[0]  # the warm-up's
    print(f"{args.runs} runs each, seconds from the process's start\n")
    print("| command | min | median |\n|---|---|---|")
    print(_row("`seatgate --help`, to exit", helps))
    print(_row("`seatgate serve`, empty database, to the first /healthz 200", fresh))
    print(_row("`seatgate serve`, migrated database, to the first /healthz 200", restart))
    print(_row("`seatgate serve`, migrated database, to the first SCIM answer", scim))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
