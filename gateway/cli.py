"""The `seatgate` command line: serve, worker, config, keys, billing, and the operator's commands.

Building the parser imports only argparse-level modules, so `seatgate --help` (and a mistyped
command) answers at once; each command imports the gateway, SQLAlchemy, Alembic or Stripe inside
its own function (tests/gateway/test_cli_imports.py holds this).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.commands.registry import add_operator_commands
from gateway.config_command import add_config_command, admin_token_notice, cli_flags
from gateway.identifier_commands import add_identifier_commands
from gateway.key_commands import add_key_commands, plaintext_refusal, stored_key_refusal
from gateway.stripe.commands import add_billing_commands

if TYPE_CHECKING:
    from auth.admin_tokens import AdminTokenInEffect
    from gateway.config import Settings

DESCRIPTION = (
    "The `seatgate` command line: serve, worker, config, keys, billing reconcile, and the "
    "operator's commands (orgs, scim-tokens, clients, portal-links, event-endpoints; docs/cli.md)."
)
Command = Callable[[argparse.Namespace, "Settings"], int]
# The longest request line aiohttp's parser reads (its default is 8190 bytes); past it aiohttp
# answers a plain-text 400 before any middleware runs. It is well above the SCIM URI limit
# (scim.app.MAX_URI_BYTES), so an over-long SCIM URI reaches the SCIM app and gets a SCIM 414,
# and small enough that a request line costs a connection little memory.
PARSER_MAX_LINE_BYTES = 16 * 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from gateway.config import SettingsError
    from gateway.logs import configure_process_logging
    from gateway.settings_sources import load_settings

    try:
        loaded = load_settings(cli=cli_flags(args), env_file=args.env_file)
    except SettingsError as exc:
        print(f"seatgate: {exc}", file=sys.stderr)
        return 2
    for name in loaded.unknown:
        print(f"seatgate: warning: {name} names no setting and is ignored", file=sys.stderr)
    configure_process_logging(loaded.settings)
    command: Command = args.command
    return command(args, loaded.settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seatgate", description=DESCRIPTION)
    parser.add_argument(
        "--env-file",
        type=Path,
        help="read SEATGATE_* settings from this file too (the environment wins over it)",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the gateway (migrates the database first)")
    _serve_options(serve)
    serve.set_defaults(command=serve_command)

    migrate = sub.add_parser("migrate", help="apply database migrations and exit")
    _database_option(migrate)
    migrate.set_defaults(command=migrate_command)

    worker = sub.add_parser(
        "worker", help="run only the background worker (alert delivery, scheduled seat changes)"
    )
    _database_option(worker)
    worker.set_defaults(command=worker_command)

    add_config_command(sub, _serve_options)
    add_key_commands(sub, _database_option)
    add_billing_commands(sub, _database_option)
    add_identifier_commands(sub, _database_option)
    add_operator_commands(sub, _database_option)
    return parser


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (SEATGATE_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (SEATGATE_PORT; default 8000)")
    _database_option(parser)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (env SEATGATE_DATABASE_URL; default sqlite+aiosqlite:///seatgate.db)",
    )


def migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    return 0


def worker_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gateway.app import create_app
    from gateway.migrate import upgrade
    from gateway.worker import run_worker_only

    if refusal := plaintext_refusal(settings):
        return _refuse(refusal)
    upgrade(settings.database_url)
    if refusal := stored_key_refusal(settings):
        return _refuse(refusal)
    asyncio.run(run_worker_only(create_app(settings.with_overrides(run_worker=True))))
    return 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from aiohttp import web

    from gateway.app import create_app
    from gateway.migrate import upgrade

    if refusal := plaintext_refusal(settings):
        return _refuse(refusal)
    upgrade(settings.database_url)
    if refusal := stored_key_refusal(settings):
        return _refuse(refusal)
    print(admin_token_notice(asyncio.run(_settle_admin_token(settings))), flush=True)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        max_line_size=PARSER_MAX_LINE_BYTES,
    )
    return 0


def _refuse(reason: str) -> int:
    print(f"seatgate: {reason}", file=sys.stderr)
    return 2


async def _settle_admin_token(settings: Settings) -> AdminTokenInEffect:
    from auth.admin_tokens import settle_admin_token
    from gateway.commands.runtime import in_database
    from gateway.config import reveal

    token = reveal(settings.admin_token)
    return await in_database(settings, lambda conn: settle_admin_token(conn, token))


if __name__ == "__main__":
    sys.exit(main())
