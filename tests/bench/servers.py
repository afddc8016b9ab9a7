"""Server processes under test: started on a free loopback port, watched, measured, stopped.

Each server runs as a subprocess of its own, so it has a CPU to itself while the load generator
runs in the harness process. Its output goes to a log file (a pipe nobody reads would fill up
and stall it); the tail of that log is shown when a server fails to start. Memory is read from
/proc/<pid>/status: VmRSS now, VmHWM the peak resident set since the process started; a server
that forks workers (gunicorn) counts its children's memory and CPU time with its own.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerFailed(RuntimeError):
    """The server exited, or did not answer its readiness URL in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        port: int,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self._process = subprocess.Popen(
            list(argv),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    async def wait_ready(self, path: str, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession(self.base_url) as http:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise ServerFailed(
                        f"{self.name} exited ({self._process.returncode}): {self.log_tail()}"
                    )
                try:
                    async with http.get(path) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise ServerFailed(f"{self.name} did not answer {path} in {within:.0f}s: {self.log_tail()}")

    def _pids(self) -> list[int]:
        """The server process and its children: gunicorn serves from a worker it forks."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            children = []
        return [self.pid, *map(int, children)]

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM of the server process and its children, in MB (an empty dict once it
        has exited)."""
        found: dict[str, float] = {}
        for pid in self._pids():
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = found.get(key, 0.0) + int(value.split()[0]) / 1024  # kB -> MB
        return found

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the server process, its children and all their threads."""
        total = None
        for pid in self._pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            # Fields after the parenthesized command name; utime and stime are the 14th and 15th.
            fields = stat.rsplit(")", 1)[1].split()
            total = (total or 0.0) + (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        return total

    def log_tail(self, chars: int = 600) -> str:
        self._log.flush()
        text = self.log_path.read_bytes()[-chars:].decode(errors="replace")
        return " ".join(text.split())

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        self._log.close()
