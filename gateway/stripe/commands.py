"""`seatgate billing reconcile [--fix] [--org ID]`: compare every org's capacity with Stripe.

The comparison is the `seats.billing.reconcile` use case; this module parses the arguments,
builds the billing bundle from the settings and renders the rows: drift as a table on stdout, a
progress bar on stderr when it is a terminal (gateway/commands/progress.py). Exit status: 0 when
everything matches (or was fixed), 1 when drift or errors remain, 2 when billing is not
configured.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported by the command, not by `seatgate --help` (gateway/cli.py)
    from gateway.config import Settings
    from seats.billing.reconcile import ReconcileRow
    from seats.billing.service import Billing
    from seats.storage.database import Database


def add_billing_commands(
    sub: Any, database_option: Callable[[argparse.ArgumentParser], None]
) -> None:
    billing = sub.add_parser("billing", help="Stripe billing: reconcile capacities")
    actions = billing.add_subparsers(required=True, metavar="ACTION")
    reconcile_parser = actions.add_parser(
        "reconcile", help="compare every org's capacity with Stripe and report drift"
    )
    reconcile_parser.add_argument(
        "--fix", action="store_true", help="apply Stripe's capacity where it drifted"
    )
    reconcile_parser.add_argument("--org", metavar="ID", help="only this organization")
    database_option(reconcile_parser)
    reconcile_parser.set_defaults(command=reconcile_command)


def reconcile_command(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.stripe_secret_key:
        print(
            "seatgate: billing is off: set SEATGATE_STRIPE_SECRET_KEY to reconcile with Stripe",
            file=sys.stderr,
        )
        return 2
    import asyncio

    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    rows = asyncio.run(_run(settings, fix=args.fix, org_id=args.org))
    print_table(rows, sys.stdout)
    return 1 if any(row.needs_attention for row in rows) else 0


async def _run(settings: Settings, *, fix: bool, org_id: str | None) -> list[ReconcileRow]:
    from gateway.stripe.settings import BillingOptions, billing_from_settings, close_port
    from seats.storage.database import Database

    database = Database(settings.database_url)
    billing = billing_from_settings(settings, BillingOptions())
    assert billing is not None  # the secret key was checked
    try:
        return await reconcile(
            database, billing, fix=fix, org_ids=[org_id] if org_id else None, progress=sys.stderr
        )
    finally:
        await close_port(billing)
        await database.dispose()


async def reconcile(
    database: Database,
    billing: Billing,
    *,
    fix: bool = False,
    org_ids: Sequence[str] | None = None,
    progress: TextIO | None = None,
) -> list[ReconcileRow]:
    """The use case, with a progress bar drawn on `progress` as the orgs are done, when
    `progress` is a terminal (gateway/commands/progress.py)."""
    from gateway.commands.progress import progress as progress_bar
    from seats.billing import reconcile as reconciling

    if progress is None:
        return await reconciling.reconcile(database, billing, fix=fix, org_ids=org_ids)
    with progress_bar("reconciling", None, progress) as ticker:
        return await reconciling.reconcile(
            database, billing, fix=fix, org_ids=org_ids, on_progress=ticker.update
        )


def print_table(rows: Sequence[ReconcileRow], out: TextIO) -> None:
    header = ("ORG", "NAME", "GATEWAY", "STRIPE", "STATUS", "NOTE")
    cells = [
        (r.org_id, r.name, _number(r.gateway), _stripe_cell(r), r.status, r.note) for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header) - 1)]
    for line in [header, *cells]:
        padded = [str(value).ljust(width) for value, width in zip(line, widths, strict=False)]
        out.write("  ".join([*padded, line[-1]]).rstrip() + "\n")
    drift = sum(r.status == "drift" for r in rows)
    fixed = sum(r.status == "fixed" for r in rows)
    errors = sum(r.status == "error" for r in rows)
    out.write(f"\n{len(rows)} org(s): {drift} drifting, {fixed} fixed, {errors} error(s)\n")


def _stripe_cell(row: ReconcileRow) -> str:
    return "-" if row.status in ("not billed", "error") else _number(row.stripe)


def _number(value: int | None) -> str:
    return "unlimited" if value is None else str(value)
