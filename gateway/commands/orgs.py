"""`seatgate orgs list|create|show|export|import`: organizations, on the use cases of the
admin API's /admin/v1/orgs handlers (seats/orgs.py, seats/summary.py) and with its validation
and JSON shapes (gateway/admin/orgs.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gateway.commands import runtime
from gateway.commands.runtime import refusals

if TYPE_CHECKING:  # imported by the commands, not by `seatgate --help`
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings

# gateway.directory.paging.MAX_PAGE_SIZE, the admin API's largest page.
MAX_LIMIT = 1000
LIST_COLUMNS = ("id", "name", "seat_limit", "seat_policy", "created_at")


def add_commands(sub: Any, database_option: Callable[[argparse.ArgumentParser], None]) -> None:
    orgs = sub.add_parser("orgs", help="list, create, show, export and import organizations")
    actions = orgs.add_subparsers(required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="organizations, oldest first, a page at a time")
    listing.add_argument("--search", metavar="Q", help="only those whose name contains Q")
    listing.add_argument(
        "--limit", type=_page_size, default=100, metavar="N", help="page size (default 100)"
    )
    listing.add_argument(
        "--after", metavar="CURSOR", help="the page after this cursor (printed on stderr)"
    )
    runtime.add_json_option(listing)
    database_option(listing)
    listing.set_defaults(command=refusals(list_command))

    create = actions.add_parser("create", help="create an organization")
    create.add_argument("name", help="the organization's display name")
    create.add_argument(
        "--seat-limit", type=int, metavar="N", help="seats it may use (default unlimited)"
    )
    create.add_argument("--seat-policy", choices=("over_limit", "auto_expand"))
    create.add_argument("--max-seats", type=int, metavar="N", help="cap for auto_expand")
    create.add_argument(
        "--admin-email",
        action="append",
        default=[],
        metavar="EMAIL",
        help="an admin alerted about seats (repeat for several)",
    )
    runtime.add_json_option(create)
    database_option(create)
    create.set_defaults(command=refusals(create_command))

    show = actions.add_parser("show", help="an organization's settings and seat summary")
    show.add_argument("org", metavar="ORG", help="the organization's id")
    runtime.add_json_option(show)
    database_option(show)
    show.set_defaults(command=refusals(show_command))

    export = actions.add_parser(
        "export", help="write an organization as JSON Lines on stdout (docs/cli.md)"
    )
    export.add_argument("org", metavar="ORG", help="the organization's id")
    database_option(export)
    export.set_defaults(command=refusals(export_command))

    load = actions.add_parser(
        "import",
        help="read JSON Lines on stdin (a seatgate export, or SCIM resources) into an org",
    )
    load.add_argument("--name", help="the new organization's name (instead of the file's)")
    load.add_argument(
        "--into", metavar="ORG", help="add users, groups and invites to this existing org"
    )
    runtime.add_json_option(load)
    database_option(load)
    load.set_defaults(command=refusals(import_command))


def _page_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.admin.orgs import MAX_SEARCH_LENGTH, org_json
    from gateway.directory.paging import created_cursor, decode_created_cursor
    from seats.orgs import list_orgs

    if args.search is not None and not 0 < len(args.search) <= MAX_SEARCH_LENGTH:
        raise runtime.CommandFailed(f"--search must be 1 to {MAX_SEARCH_LENGTH} characters")
    after = None if args.after is None else decode_created_cursor(args.after, "orgs")

    async def work(conn: AsyncConnection) -> Any:
        return await list_orgs(conn, limit=args.limit, after=after, search=args.search)

    page = runtime.run(settings, work, write=False)
    runtime.print_records(args, [org_json(org) for org in page.items], LIST_COLUMNS)
    if page.next_after is not None:
        cursor = created_cursor("orgs")(page.next_after)
        print(f"seatgate: more organizations follow: --after {cursor}", file=sys.stderr)
    return 0


def create_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.admin.orgs import org_json, validate_org_fields
    from seats import orgs

    body: dict[str, Any] = {"name": args.name}
    for field in ("seat_limit", "seat_policy", "max_seats"):
        if getattr(args, field) is not None:
            body[field] = getattr(args, field)
    if args.admin_email:
        body["admin_emails"] = args.admin_email
    fields = validate_org_fields(body, allow_private_urls=settings.allow_private_webhook_urls)

    async def work(conn: AsyncConnection) -> Any:
        return await orgs.create_org(conn, **fields)

    runtime.print_record(args, org_json(runtime.run(settings, work)))
    return 0


def show_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.admin.orgs import org_json
    from gateway.admin.seats import seats_json
    from seats.orgs import get_org
    from seats.summary import seat_summary

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        org = await get_org(conn, args.org)
        return {**org_json(org), "seats": seats_json(await seat_summary(conn, org.id))}

    shown = runtime.run(settings, work, write=False)
    if runtime.wants_json(args):
        runtime.print_record(args, shown)
        return 0
    seats = shown.pop("seats")
    runtime.print_record(args, shown)
    print()
    runtime.print_record(args, {f"seats.{key}": value for key, value in seats.items()})
    return 0


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.commands.org_export import export_org

    return export_org(settings, args.org, sys.stdout)


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.commands.org_import import import_org

    return import_org(settings, sys.stdin, args)
