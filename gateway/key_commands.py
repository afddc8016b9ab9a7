"""`seatgate keys rotate|list|reencrypt|new-encryption-key`: signing keys of product tokens and
their encryption at rest; and the start-up rule for plaintext keys that serve and worker apply."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from gateway.commands.runtime import in_database

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
    reencrypt_parser = actions.add_parser(
        "reencrypt",
        help="encrypt every stored signing key under the first SEATGATE_KEY_ENCRYPTION_KEYS key "
        "(after adding a new encryption key first, or to encrypt keys stored as plain PEM)",
    )
    database_option(reencrypt_parser)
    reencrypt_parser.set_defaults(command=keys_reencrypt_command)
    new_key_parser = actions.add_parser(
        "new-encryption-key", help="print a fresh key for SEATGATE_KEY_ENCRYPTION_KEYS"
    )
    new_key_parser.set_defaults(command=new_encryption_key_command)


def plaintext_refusal(settings: Settings) -> str | None:
    """Why serve or worker must not start, or None. On PostgreSQL (a deployment, possibly with
    several hosts and backups) signing keys are not kept as plain PEM unless the operator says
    so; the SQLite quickstart keeps working with a warning (auth.keys.prepare_stored_keys)."""
    if settings.key_encryption.enabled or settings.allow_plaintext_signing_keys:
        return None
    if not settings.database_url.startswith("postgresql"):
        return None
    return (
        "SEATGATE_KEY_ENCRYPTION_KEYS is not set: on PostgreSQL seatgate does not store signing "
        "keys as plain PEM. Set it to a key from `seatgate keys new-encryption-key` (or set "
        "SEATGATE_ALLOW_PLAINTEXT_SIGNING_KEYS=true to accept plaintext keys)"
    )


def stored_key_refusal(settings: Settings) -> str | None:
    """Why serve or worker must not start because a stored key does not open, or None; keys
    still stored as plain PEM are encrypted now when encryption is configured. Checked before
    the app starts (aiohttp's run_app does not clean up after a failed start-up); the app's own
    start-up (gateway/auth_wiring.py) checks again for apps started otherwise."""
    import asyncio
    import logging

    from auth.key_encryption import KeyEncryptionError

    try:
        asyncio.run(_prepare(settings))
    except KeyEncryptionError as error:
        return str(error)
    if not settings.key_encryption.enabled:
        # Said once, here: the app's own start-up check stays quiet.
        logging.getLogger("seatgate.keys").warning(
            "SEATGATE_KEY_ENCRYPTION_KEYS is not set: the signing keys' private halves are "
            "stored as plain PEM in the database (docs/tokens.md)"
        )
    return None


def keys_rotate_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from auth.key_encryption import KeyEncryptionError
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    try:
        rotation = asyncio.run(_rotate(settings, args.publish_delay))
    except KeyEncryptionError as error:
        return _fail(error)
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

    from auth.key_encryption import KeyEncryptionError
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    try:
        keys = asyncio.run(_load(settings))
    except KeyEncryptionError as error:
        return _fail(error)
    for key in keys:
        retired = key.retired_at.isoformat() if key.retired_at else "-"
        expires = key.expires_at.isoformat() if key.expires_at else "-"
        created = key.created_at.isoformat()
        print(f"{key.kid}  created {created}  retired {retired}  published until {expires}")
    return 0


def keys_reencrypt_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from auth.key_encryption import KeyEncryptionError
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    try:
        kids = asyncio.run(_reencrypt(settings))
    except KeyEncryptionError as error:
        return _fail(error)
    print(f"re-encrypted {len(kids)} signing key(s) under the first encryption key")
    for kid in kids:
        print(f"  {kid}")
    return 0


def new_encryption_key_command(args: argparse.Namespace, settings: Settings) -> int:
    from auth.key_encryption import generate_encryption_key

    print(generate_encryption_key())
    return 0


def _fail(error: Exception) -> int:
    print(f"seatgate: {error}", file=sys.stderr)
    return 2


async def _prepare(settings: Settings) -> None:
    from auth.keys import prepare_stored_keys

    await in_database(settings, lambda conn: prepare_stored_keys(conn, settings.key_encryption))


async def _reencrypt(settings: Settings) -> list[str]:
    from auth.keys import reencrypt

    return await in_database(settings, lambda conn: reencrypt(conn, settings.key_encryption))


async def _rotate(settings: Settings, publish_delay: float) -> Rotation:
    from auth.keys import rotate

    return await in_database(
        settings,
        lambda conn: rotate(
            conn,
            settings.key_encryption,
            token_lifetime_seconds=settings.token_lifetime_seconds,
            publish_delay_seconds=publish_delay,
        ),
    )


async def _load(settings: Settings) -> list[SigningKey]:
    from auth.keys import load_keys

    return await in_database(
        settings, lambda conn: load_keys(conn, settings.key_encryption), write=False
    )
