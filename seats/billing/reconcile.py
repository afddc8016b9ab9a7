"""The reconcile use case: every org's capacity compared with Stripe, and fixed on request.

For each org the subscription is fetched (the linked one, else found by its `seatgate_org_id`
metadata) and run through the same rule as a webhook (`seats.billing.sync.plan_capacity`): what
the org should hold now, and the cut it should have scheduled. Differences are drift; `fix`
applies Stripe's side, as a webhook would. `seatgate billing reconcile` renders the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from seats import capacity
from seats.billing import sync
from seats.billing.port import BillingError
from seats.billing.service import Billing
from seats.capacity import BILLING_PUSH
from seats.clock import utcnow
from seats.model import Org
from seats.orgs import get_org
from seats.storage import billing_store
from seats.storage.database import Database


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


async def reconcile(
    database: Database,
    billing: Billing,
    *,
    fix: bool = False,
    org_ids: Sequence[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[ReconcileRow]:
    """One row per org, in name order; with `fix`, drifting orgs are synced from Stripe.
    `on_progress(done, total)` is called after each org."""
    async with database.read() as conn:
        if org_ids is None:
            org_ids = await billing_store.list_org_ids_by_name(conn)
        targets = [await get_org(conn, org_id) for org_id in org_ids]
    rows = []
    for done, org in enumerate(targets, start=1):
        try:
            rows.append(await _reconcile_org(database, billing, org, fix=fix))
        except BillingError as exc:
            rows.append(ReconcileRow(org.id, org.name, org.seat_limit, None, "error", str(exc)))
        if on_progress is not None:
            on_progress(done, len(targets))
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
        known = await billing_store.get_state(conn, org.id)
        pending = await billing_store.has_pending_message(conn, org.id, BILLING_PUSH)
        scheduled = [
            c for c in await capacity.list_scheduled(conn, org.id) if c.source == "billing"
        ]
    plan = sync.plan_capacity(
        snapshot,
        billing.rules,
        current=org.seat_limit,
        now=now,
        first_sync=known is None or known.subscription_id != snapshot.id,
        floor=org.seat_limit if pending else None,
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


def _number(value: int | None) -> str:
    return "unlimited" if value is None else str(value)
