"""What every operator command shares: running a use case in one transaction, turning domain
and validation errors into a sentence and exit status 1, and printing records as a table on a
terminal or as JSON Lines (`--json`, or whenever stdout is not a terminal)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:  # imported when a command runs, not by `seatgate --help`
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings

T = TypeVar("T")
Work = Callable[["AsyncConnection"], Awaitable[T]]


class CommandFailed(Exception):
    """A refusal the command explains in one sentence (exit status 1)."""


def run(settings: Settings, work: Work[T], *, write: bool = True) -> T:
    """Migrate the database (as every seatgate command does), then run `work` in one
    transaction (`write`) or one read, and dispose of the engine."""
    import asyncio
    import logging

    _check_sqlite_directory(settings.database_url)
    # The migration's INFO lines would bury the command's own output on stderr.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    return asyncio.run(in_database(settings, work, write=write))


def _check_sqlite_directory(database_url: str) -> None:
    """SQLite makes a missing database file, not its directory: say so before migrating."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        directory = Path(url.database).parent
        if not directory.is_dir():
            raise CommandFailed(
                f"cannot use the database {database_url}: the directory {directory} does not exist"
            )


async def in_database(settings: Settings, work: Work[T], *, write: bool = True) -> T:
    """`work` in one transaction (`write`) or one read of a Database of its own, disposed of
    after."""
    from seats.storage.database import Database

    database = Database(settings.database_url)
    try:
        if write:
            async with database.transaction() as conn:
                return await work(conn)
        async with database.read() as conn:
            return await work(conn)
    finally:
        await database.dispose()


def refusals(command: Callable[[argparse.Namespace, Settings], int]) -> Callable[..., int]:
    """Wrap a command: a domain error, a refused value or a CommandFailed prints
    `seatgate: <sentence>` on stderr and exits 1 instead of a traceback."""

    def guarded(args: argparse.Namespace, settings: Settings) -> int:
        from sqlalchemy import exc as sa_exc

        from gateway.errors import ApiError
        from seats.errors import DomainError

        try:
            return command(args, settings)
        except DomainError as error:
            return _refused(error.detail)
        except ApiError as error:  # a validator shared with the admin API refused a value
            return _refused(json.loads(error.text or "{}").get("detail", str(error)))
        except CommandFailed as error:
            return _refused(str(error))
        except (OSError, sa_exc.OperationalError, sa_exc.InterfaceError) as error:
            cause = getattr(error, "orig", None) or error
            return _refused(f"cannot use the database {_shown(settings.database_url)}: {cause}")

    return functools.wraps(command)(guarded)


def _shown(database_url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def _refused(sentence: str) -> int:
    print(f"seatgate: {sentence}", file=sys.stderr)
    return 1


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON Lines (one object a line); the default when stdout is not a terminal",
    )


def wants_json(args: argparse.Namespace, out: TextIO | None = None) -> bool:
    out = out or sys.stdout
    return bool(getattr(args, "json", False)) or not out.isatty()


def print_records(
    args: argparse.Namespace,
    records: Sequence[dict[str, Any]],
    columns: Sequence[str],
    out: TextIO | None = None,
) -> None:
    """Records as JSON Lines, or on a terminal as a table of `columns`."""
    out = out or sys.stdout
    if wants_json(args, out):
        for record in records:
            out.write(json.dumps(record) + "\n")
        return
    cells = [[_cell(record.get(column)) for column in columns] for record in records]
    header = [column.upper() for column in columns]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(columns))]
    for row in [header, *cells]:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def print_record(
    args: argparse.Namespace, record: dict[str, Any], out: TextIO | None = None
) -> None:
    """One record: a JSON line, or on a terminal one `key: value` line per field."""
    out = out or sys.stdout
    if wants_json(args, out):
        out.write(json.dumps(record) + "\n")
        return
    width = max(len(key) for key in record)
    for key, value in record.items():
        out.write(f"{key.ljust(width)}  {_cell(value)}\n")


def shown_once(what: str) -> None:
    """Say on stderr that a secret just printed is not kept (stdout stays the data alone)."""
    print(f"seatgate: the {what} is shown only this once; keep it safe", file=sys.stderr)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
