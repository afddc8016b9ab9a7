"""A throwaway PostgreSQL cluster on a loopback port, started the way scripts/postgres.sh does.

Differences from scripts/postgres.sh, on purpose: it never installs PostgreSQL (a missing
server makes the PostgreSQL target an error row), it picks a free port, and it keeps `fsync`
on. The tests turn fsync off for speed; a benchmark must not, because seatgate's SQLite runs
with `synchronous=FULL`, so both engines make every commit durable.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.bench.servers import free_port


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine, or the cluster did not start."""


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise PostgresUnavailable("no /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1]


def _as_postgres(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package creates the `postgres` user.
    return ["runuser", "-u", "postgres", "--", *argv] if os.getuid() == 0 else argv


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database on a fresh cluster; remove it all after."""
    bin_dir = _bin_dir()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="seatgate-bench-pg."))
    if os.getuid() == 0:
        shutil.chown(workdir, "postgres")
    data = workdir / "data"
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={workdir} -c max_connections=100"
        )
        _run([pg_ctl, "-D", str(data), "-l", str(workdir / "log"), "-w", "-o", options, "start"])
        try:
            psql = [str(bin_dir / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(port)]
            _run(
                [*psql, "-U", "postgres", "-d", "postgres", "-c", "CREATE DATABASE seatgate_bench"]
            )
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/seatgate_bench"
        finally:
            subprocess.run(
                _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                check=False,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_postgres(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-300:]}")
