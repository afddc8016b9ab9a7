"""`seatgate event-endpoints create|list|delete`: the product's event webhooks, on the use
cases of the admin API's /admin/v1/event-endpoints handlers (seats/event_endpoints.py). The
signing secret is printed once, at creation."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.commands import runtime
from gateway.commands.runtime import refusals

if TYPE_CHECKING:  # imported by the commands, not by `seatgate --help`
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings

COLUMNS = ("id", "url", "org_id", "types", "state", "cursor")


def add_commands(sub: Any, database_option: Callable[[argparse.ArgumentParser], None]) -> None:
    endpoints = sub.add_parser("event-endpoints", help="webhooks that receive the event feed")
    actions = endpoints.add_subparsers(required=True, metavar="ACTION")

    create = actions.add_parser("create", help="add an endpoint (its secret is shown once)")
    create.add_argument("url", help="where deliveries are POSTed (http or https)")
    create.add_argument("--org", metavar="ORG", help="only this org's events (default: all)")
    create.add_argument(
        "--type",
        dest="types",
        action="append",
        metavar="TYPE",
        help="only events of this type, e.g. member.created (repeat for several)",
    )
    listing = actions.add_parser("list", help="every endpoint, without secrets")
    delete = actions.add_parser("delete", help="remove an endpoint")
    delete.add_argument("endpoint_id", metavar="ENDPOINT_ID")
    for parser, command in (
        (create, create_command),
        (listing, list_command),
        (delete, delete_command),
    ):
        runtime.add_json_option(parser)
        database_option(parser)
        parser.set_defaults(command=refusals(command))


def create_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.admin.event_endpoints import endpoint_json
    from seats import event_endpoints

    async def work(conn: AsyncConnection) -> Any:
        return await event_endpoints.create_endpoint(
            conn,
            url=args.url,
            org_id=args.org,
            types=args.types,
            allow_private_url=settings.allow_private_webhook_urls,
        )

    endpoint = runtime.run(settings, work)
    runtime.print_record(args, {**endpoint_json(endpoint), "secret": endpoint.secret})
    runtime.shown_once("signing secret")
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.admin.event_endpoints import endpoint_json
    from seats import event_endpoints

    async def work(conn: AsyncConnection) -> Any:
        return await event_endpoints.list_endpoints(conn)

    found = runtime.run(settings, work, write=False)
    runtime.print_records(args, [endpoint_json(e) for e in found], COLUMNS)
    return 0


def delete_command(args: argparse.Namespace, settings: Settings) -> int:
    from seats import event_endpoints

    async def work(conn: AsyncConnection) -> None:
        await event_endpoints.delete_endpoint(conn, args.endpoint_id)

    runtime.run(settings, work)
    runtime.print_record(args, {"id": args.endpoint_id, "deleted": True})
    return 0
