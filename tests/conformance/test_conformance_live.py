"""The conformance suites pass against a real gateway process, on SQLite and on PostgreSQL.

The gateway runs as `seatgate serve` in a subprocess on a free loopback port, with the database
the `database_url` fixture migrated for this test (PostgreSQL too when SEATGATE_TEST_POSTGRES_URL
is set). An organization and its SCIM token come from the admin API; then `python -m
conformance` runs as CI and operators run it, and its tables are printed into the test log.
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from tests.helpers import ADMIN_HEADERS, ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
# gateway/cli.py has no `__main__` guard: call its entry point the way the console script does.
SERVE = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
CLOSING_LINE = re.compile(r"^(\d+) passed, (\d+) failed(, (\d+) skipped)?$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gateway(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The base URL of a `seatgate serve` process on `database_url`."""
    port = free_port()
    env = {
        **os.environ,
        "SEATGATE_DATABASE_URL": database_url,
        "SEATGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        # The suites send requests back to back; throttling is tested elsewhere.
        "SEATGATE_SCIM_RATE_LIMIT_PER_SECOND": "100000",
        "SEATGATE_SCIM_RATE_LIMIT_BURST": "100000",
    }
    log_path = tmp_path / "gateway.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the gateway exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx2.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the gateway did not answer /healthz within 60 s:\n{log.read_text()}")


def scim_token(base_url: str) -> str:
    with httpx2.Client(base_url=base_url, headers=ADMIN_HEADERS, timeout=10) as admin:
        org = admin.post("/admin/v1/orgs", json={"name": "Conformance"})
        assert org.status_code == 201, org.text
        token = admin.post(f"/admin/v1/orgs/{org.json()['id']}/scim-tokens")
        assert token.status_code == 201, token.text
        return str(token.json()["token"])


def run_conformance(base_url: str, token: str, suite: str = "all") -> tuple[int, str]:
    command = [sys.executable, "-m", "conformance", "--base-url", f"{base_url}/scim/v2"]
    completed = subprocess.run(
        [*command, "--token", token, "--suite", suite],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return completed.returncode, completed.stdout + completed.stderr


def closing_counts(output: str) -> tuple[int, int]:
    match = CLOSING_LINE.match(output.strip().splitlines()[-1])
    assert match, f"no closing `N passed, M failed` line:\n{output}"
    return int(match[1]), int(match[2])


def failed_rows(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if "  failed  " in line) or output


def test_every_suite_passes_against_a_live_gateway(
    gateway: str, report: Callable[[str], None]
) -> None:
    token = scim_token(gateway)
    status, output = run_conformance(gateway, token)
    report(output)
    passed, failed = closing_counts(output)
    assert (status, failed) == (0, 0), failed_rows(output)
    assert passed > 0


def test_the_idp_sequences_run_again_against_the_same_gateway(gateway: str) -> None:
    token = scim_token(gateway)
    for suite in ("okta", "entra", "okta", "entra"):
        status, output = run_conformance(gateway, token, suite)
        assert (status, closing_counts(output)[1]) == (0, 0), failed_rows(output)
