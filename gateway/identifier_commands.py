"""`seatgate identifiers set-aside`: the users and groups migration 0005 set aside because their
identifier now compares equal to an older one's (or is too long), until an admin resolves them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the command, not by `seatgate --help` (gateway/cli.py)
    from gateway.config import Settings
    from seats.storage.identifier_store import SetAside


def add_identifier_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    database_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    identifiers = sub.add_parser("identifiers", help="inspect userName and displayName keys")
    actions = identifiers.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser(
        "set-aside",
        help="list users and groups whose name compares equal to an older one's (docs/seats.md)",
    )
    database_option(listing)
    listing.set_defaults(command=set_aside_command)


def set_aside_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gateway.commands.progress import progress
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    with progress("looking for set-aside names", None):
        rows = asyncio.run(_load(settings))
    for row in rows:
        print(describe(row))
    print(f"{len(rows)} set aside")
    return 0


def describe(row: SetAside) -> str:
    attribute = "userName" if row.kind == "user" else "displayName"
    why = (
        f"compares equal to {row.kind} {row.holder_id}"
        if row.holder_id
        else "its key is too long"
        if row.reason == "too-long"
        else "the row that held its key is gone; it takes the key when its name next changes"
    )
    return f"org {row.org_id} {row.kind} {row.id} {attribute} {row.name!r}: {why}"


async def _load(settings: Settings) -> list[SetAside]:
    from gateway.commands.runtime import in_database
    from seats.storage.identifier_store import set_aside

    return await in_database(settings, set_aside, write=False)
