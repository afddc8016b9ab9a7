"""`seatgate scim-tokens|clients|portal-links`: the credentials an operator hands out, on the
use cases of the admin API's handlers (auth/scim_tokens.py, auth/clients.py,
auth/console_access.py). A secret is printed once, on stdout, and never stored in the clear."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.commands import runtime
from gateway.commands.runtime import refusals

if TYPE_CHECKING:  # imported by the commands, not by `seatgate --help`
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings

ACTOR = "cli"
# A gateway process keeps a SCIM token it has seen for this long (auth.scim_tokens.ScimTokenCache).
TOKEN_CACHE_SECONDS = 30
MAX_NAME_LENGTH = 200


def add_commands(sub: Any, database_option: Callable[[argparse.ArgumentParser], None]) -> None:
    def action(group: Any, name: str, help: str, command: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = group.add_parser(name, help=help)
        runtime.add_json_option(parser)
        database_option(parser)
        parser.set_defaults(command=refusals(command))
        return parser

    tokens = sub.add_parser("scim-tokens", help="bearer tokens of an org's identity provider")
    token_actions = tokens.add_subparsers(required=True, metavar="ACTION")
    create = action(token_actions, "create", "issue a token (shown once)", scim_token_create)
    create.add_argument("org", metavar="ORG")
    create.add_argument("--name", default="", help="what the token is for, e.g. okta")
    action(token_actions, "list", "an org's tokens", scim_token_list).add_argument(
        "org", metavar="ORG"
    )
    revoke = action(
        token_actions,
        "revoke",
        f"revoke a token (running gateways refuse it within {TOKEN_CACHE_SECONDS} s)",
        scim_token_revoke,
    )
    revoke.add_argument("org", metavar="ORG")
    revoke.add_argument("token_id", metavar="TOKEN_ID")

    clients = sub.add_parser("clients", help="product clients that ask for member tokens")
    client_actions = clients.add_subparsers(required=True, metavar="ACTION")
    create = action(client_actions, "create", "make a client (secret shown once)", client_create)
    create.add_argument("--org", metavar="ORG", help="the client's org (default: global)")
    create.add_argument("--name", default="", help="what the client is for")
    listing = action(client_actions, "list", "clients (every one, or an org's)", client_list)
    listing.add_argument("--org", metavar="ORG", help="only this org's clients")
    revoke = action(client_actions, "revoke", "revoke a client", client_revoke)
    revoke.add_argument("client_id", metavar="CLIENT_ID")
    revoke.add_argument("--org", metavar="ORG", help="refuse unless the client is this org's")

    links = sub.add_parser("portal-links", help="single-use links into an org's console")
    link_actions = links.add_subparsers(required=True, metavar="ACTION")
    create = action(link_actions, "create", "a link for one person (shown once)", portal_link)
    create.add_argument("org", metavar="ORG")
    create.add_argument("--email", required=True, help="the address of the person")
    create.add_argument("--role", choices=("admin", "billing"), default="admin")


def _name(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise runtime.CommandFailed(f"--name must be at most {MAX_NAME_LENGTH} characters")
    return name


def scim_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from auth.scim_tokens import issue_scim_token

    name = _name(args.name)

    async def work(conn: AsyncConnection) -> Any:
        return await issue_scim_token(conn, args.org, name=name)

    issued = runtime.run(settings, work)
    record = {"id": issued.id, "token": issued.token, "name": issued.name}
    runtime.print_record(args, {**record, "created_at": issued.created_at.isoformat()})
    runtime.shown_once("SCIM token")
    return 0


def scim_token_list(args: argparse.Namespace, settings: Settings) -> int:
    from auth.scim_tokens import list_scim_tokens
    from seats.orgs import get_org

    async def work(conn: AsyncConnection) -> Any:
        await get_org(conn, args.org)
        return await list_scim_tokens(conn, args.org)

    records = [
        {
            "id": token.id,
            "name": token.name,
            "created_at": token.created_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token in runtime.run(settings, work, write=False)
    ]
    runtime.print_records(args, records, ("id", "name", "created_at", "revoked_at"))
    return 0


def scim_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from auth.scim_tokens import revoke_scim_token

    async def work(conn: AsyncConnection) -> None:
        await revoke_scim_token(conn, args.org, args.token_id)

    runtime.run(settings, work)
    runtime.print_record(args, {"id": args.token_id, "revoked": True})
    return 0


def client_create(args: argparse.Namespace, settings: Settings) -> int:
    from auth.clients import create_client
    from gateway.admin.clients import client_json

    name = _name(args.name)

    async def work(conn: AsyncConnection) -> Any:
        return await create_client(conn, org_id=args.org, name=name)

    issued = runtime.run(settings, work)
    runtime.print_record(args, {**client_json(issued.client), "client_secret": issued.secret})
    runtime.shown_once("client secret")
    return 0


def client_list(args: argparse.Namespace, settings: Settings) -> int:
    from auth.clients import list_clients
    from gateway.admin.clients import client_json

    async def work(conn: AsyncConnection) -> Any:
        return await list_clients(conn, org_id=args.org, every_org=args.org is None)

    records = [client_json(client) for client in runtime.run(settings, work, write=False)]
    runtime.print_records(args, records, ("client_id", "org_id", "name", "revoked_at"))
    return 0


def client_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from auth.clients import revoke_client

    async def work(conn: AsyncConnection) -> None:
        await revoke_client(conn, args.client_id, org_id=args.org)

    runtime.run(settings, work)
    runtime.print_record(args, {"client_id": args.client_id, "revoked": True})
    return 0


def portal_link(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from auth import console_access
    from gateway.admin.portal_links import MAX_EMAIL_LENGTH

    if "@" not in args.email or len(args.email) > MAX_EMAIL_LENGTH:
        raise runtime.CommandFailed("--email must be an email address (the person's)")
    role = console_access.parse_role(args.role)

    async def work(conn: AsyncConnection) -> Any:
        return await console_access.issue_portal_link(
            conn,
            args.org,
            email=args.email,
            role=role,
            lifetime=timedelta(seconds=settings.console_link_lifetime_seconds),
            actor=ACTOR,
        )

    link = runtime.run(settings, work)
    url = f"{settings.base_url}/console/enter/{link.token}"
    runtime.print_record(args, {"url": url, "expires_at": link.expires_at.isoformat()})
    runtime.shown_once("link (single use)")
    return 0
