"""`seatgate keys rotate` and `seatgate keys list`: signing keys of product tokens."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the commands, not by `seatgate --help` (gateway/cli.py)
    from auth.keys import Rotation, SigningKey
    from gateway.config import Settings

# auth.keys.DEFAULT_PUBLISH_DELAY_SECONDS, written out so that the help needs no auth.keys
# (SQLAlchemy, cryptography); tests/gateway/test_cli_imports.py checks that the two agree.
PUBLISH_DELAY_SECONDS = 60.0


def add_key_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    database_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    keys = sub.add_parser("keys", help="manage the signing keys of product tokens")
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    rotate_parser = actions.add_parser(
        "rotate",
        help="add a new signing key; the old one stays published until its tokens expire",
    )
    rotate_parser.add_argument(
        "--publish-delay",
        type=float,
        default=PUBLISH_DELAY_SECONDS,
        metavar="SECONDS",
        help="publish the new key this long before it signs (default %(default)s); products "
        "that cached the JWKS meanwhile pick it up",
    )
    database_option(rotate_parser)
    rotate_parser.set_defaults(command=keys_rotate_command)
    list_parser = actions.add_parser("list", help="show the published signing keys")
    database_option(list_parser)
    list_parser.set_defaults(command=keys_list_command)


def keys_rotate_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    rotation = asyncio.run(_rotate(settings, args.publish_delay))
    print(f"new signing key {rotation.new_kid}: signs from {rotation.signs_from.isoformat()}")
    for key in rotation.retired:
        assert key.expires_at is not None
        print(
            f"retired {key.kid}: published until {key.expires_at.isoformat()} "
            "(every token it signed has expired by then)"
        )
    return 0


def keys_list_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    for key in asyncio.run(_load(settings)):
        retired = key.retired_at.isoformat() if key.retired_at else "-"
        expires = key.expires_at.isoformat() if key.expires_at else "-"
        created = key.created_at.isoformat()
        print(f"{key.kid}  created {created}  retired {retired}  published until {expires}")
    return 0


async def _rotate(settings: Settings, publish_delay: float) -> Rotation:
    from auth.keys import rotate
    from seats.storage.database import Database

    database = Database(settings.database_url)
    try:
        async with database.transaction() as conn:
            return await rotate(
                conn,
                token_lifetime_seconds=settings.token_lifetime_seconds,
                publish_delay_seconds=publish_delay,
            )
    finally:
        await database.dispose()


async def _load(settings: Settings) -> list[SigningKey]:
    from auth.keys import load_keys
    from seats.storage.database import Database

    database = Database(settings.database_url)
    try:
        async with database.read() as conn:
            return await load_keys(conn)
    finally:
        await database.dispose()
