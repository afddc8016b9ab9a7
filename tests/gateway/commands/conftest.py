"""Fixtures of the operator-command tests: `seatgate` run as a user runs it (its entry point,
its stdout and stderr captured, stdin given), and a second fresh database on the same engine
for moving an org between deployments."""

import asyncio
import io
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from tests.conftest import _postgres_database_url, _psql


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        """stdout's JSON Lines (stdout is not a terminal under test)."""
        return [json.loads(line) for line in self.out.splitlines()]

    def record(self) -> dict[str, Any]:
        (only,) = self.records()
        return only


class Seatgate:
    """`seatgate ARGS --database-url URL`, with what it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys, self._monkeypatch = capsys, monkeypatch

    def __call__(self, database_url: str, *args: str, stdin: str = "") -> Ran:
        self._capsys.readouterr()
        self._monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([*args, "--database-url", database_url])
        captured = self._capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    async def in_thread(self, database_url: str, *args: str, stdin: str = "") -> Ran:
        """From an async test: the command runs its own event loop, so it gets a thread."""
        return await asyncio.to_thread(self, database_url, *args, stdin=stdin)


@pytest.fixture
def seatgate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Seatgate:
    monkeypatch.delenv("SEATGATE_DATABASE_URL", raising=False)
    return Seatgate(capsys, monkeypatch)


@pytest.fixture
def other_database_url(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """Another freshly migrated database on the engine of `database_url`."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "other.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"seatgate_other_{uuid.uuid4().hex[:12]}"
    _psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _postgres_database_url(name)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
