"""`seatgate billing reconcile [--fix] [--org ID]`: compare every org's capacity with Stripe.

For each org the subscription is fetched (the linked one, else found by its `seatgate_org_id`
metadata) and run through the same rule as a webhook (`seats.billing.sync.plan_capacity`): what
the org should hold now, and the cut it should have scheduled. Differences are drift, printed as
a table on stdout; `--fix` applies Stripe's side, as a webhook would. A progress bar goes to
stderr. Exit status: 0 when everything matches (or was fixed), 1 when drift or errors remain,
2 when billing is not configured.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import sqlalchemy as sa

from gateway.billing.wiring import Billing, BillingOptions, stripe_port
from gateway.config import Settings
from gateway.migrate import upgrade
from seats import capacity
from seats.billing import BillingError, legacy_prices_from_config, pushes, state, sync
from seats.billing.sync import BillingRules
from seats.clock import utcnow
from seats.model import Org
from seats.orgs import get_org
from seats.storage.database import Database
from seats.storage.tables import orgs


@dataclass(frozen=True)
class ReconcileRow:
    org_id: str
    name: str
    gateway: int | None
    stripe: int | None
    status: str  # ok, drift, fixed, not billed, error
    note: str = ""

    @property
    def needs_attention(self) -> bool:
        return self.status in ("drift", "error")


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
    upgrade(settings.database_url)
    rows = asyncio.run(_run(settings, fix=args.fix, org_id=args.org))
    print_table(rows, sys.stdout)
    return 1 if any(row.needs_attention for row in rows) else 0


async def _run(settings: Settings, *, fix: bool, org_id: str | None) -> list[ReconcileRow]:
    database = Database(settings.database_url)
    port = stripe_port(settings, BillingOptions())
    billing = Billing(
        port=port,
        rules=BillingRules(
            legacy_prices=legacy_prices_from_config(settings.stripe_legacy_prices),
            free_capacity=settings.stripe_free_capacity,
        ),
        webhook_secret=None,
    )
    try:
        return await reconcile(
            database, billing, fix=fix, org_ids=[org_id] if org_id else None, progress=sys.stderr
        )
    finally:
        await port.close()  # type: ignore[attr-defined]
        await database.dispose()


async def reconcile(
    database: Database,
    billing: Billing,
    *,
    fix: bool = False,
    org_ids: Sequence[str] | None = None,
    progress: TextIO | None = None,
) -> list[ReconcileRow]:
    """One row per org, in name order; with `fix`, drifting orgs are synced from Stripe."""
    async with database.read() as conn:
        if org_ids is None:
            query = sa.select(orgs.c.id).order_by(orgs.c.name, orgs.c.id)
            org_ids = list((await conn.execute(query)).scalars())
        targets = [await get_org(conn, org_id) for org_id in org_ids]
    rows = []
    for done, org in enumerate(targets, start=1):
        try:
            rows.append(await _reconcile_org(database, billing, org, fix=fix))
        except BillingError as exc:
            rows.append(ReconcileRow(org.id, org.name, org.seat_limit, None, "error", str(exc)))
        if progress is not None:
            _progress(progress, done, len(targets))
    if progress is not None and targets:
        progress.write("\n")
        progress.flush()
    return rows


async def _reconcile_org(
    database: Database, billing: Billing, org: Org, *, fix: bool
) -> ReconcileRow:
    fetched_at = utcnow()
    linked_live = None
    snapshot = None
    if org.stripe_subscription_id:
        snapshot = await billing.port.fetch_subscription(org.stripe_subscription_id)
        linked_live = snapshot.counts_items
    if snapshot is None or not snapshot.counts_items:
        # Not linked, or its subscription ended: a live one tagged with the org takes over.
        found = await billing.port.find_subscription_for_org(org.id)
        if found is not None and (snapshot is None or found.counts_items):
            snapshot = found
    if snapshot is None:
        return ReconcileRow(org.id, org.name, org.seat_limit, None, "not billed")
    now = billing.clock()
    async with database.read() as conn:
        known = await state.get_state(conn, org.id)
        floor = org.seat_limit if await pushes.has_pending_push(conn, org.id) else None
        scheduled = [
            c for c in await capacity.list_scheduled(conn, org.id) if c.source == "billing"
        ]
    plan = sync.plan_capacity(
        snapshot,
        billing.rules,
        current=org.seat_limit,
        now=now,
        first_sync=known is None or known.subscription_id != snapshot.id,
        floor=floor,
    )
    expected = [(plan.later, plan.at)] if plan.at is not None else []
    problems = []
    if org.stripe_subscription_id != snapshot.id:
        problems.append(f"not linked to {snapshot.id}")
    if plan.now != org.seat_limit:
        problems.append(f"should hold {_number(plan.now)}")
    if [(c.new_capacity, c.effective_at) for c in scheduled] != expected:
        want = f"{_number(plan.later)} at {plan.at:%Y-%m-%d}" if plan.at else "none"
        problems.append(f"scheduled cut should be {want}")
    note = "; ".join(problems) or f"subscription {snapshot.id} ({snapshot.status})"
    if not problems:
        return ReconcileRow(org.id, org.name, org.seat_limit, plan.stripe_now, "ok", note)
    if not fix:
        return ReconcileRow(org.id, org.name, org.seat_limit, plan.stripe_now, "drift", note)
    async with database.transaction() as conn:
        outcome = await sync.apply_to_org(
            conn,
            org.id,
            snapshot,
            billing.rules,
            now=now,
            fetched_at=fetched_at,
            linked_live=linked_live,
        )
    status = "fixed" if outcome.action == "applied" else "drift"
    note = note if status == "fixed" else f"{note}; not applied: {outcome.detail}"
    return ReconcileRow(org.id, org.name, outcome.capacity, plan.stripe_now, status, note)


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


def _progress(out: TextIO, done: int, total: int, width: int = 30) -> None:
    filled = width * done // max(total, 1)
    out.write(f"\rreconciling [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    out.flush()


def _stripe_cell(row: ReconcileRow) -> str:
    return "-" if row.status in ("not billed", "error") else _number(row.stripe)


def _number(value: int | None) -> str:
    return "unlimited" if value is None else str(value)
