"""Recording domain events, and what derives from them.

A use case calls `record(conn, *events)` for every change it makes. The events wait in the
transaction and, as its last statements before COMMIT, are appended to the event log together
with what follows from them, so that no caller writes these beside its change by hand:

- `SeatChanged`, `InviteCreated`, `InviteEnded` -> a seat ledger entry each;
- `AlertRaised` -> the alert's email and webhook deliveries in the outbox (merged per org while
  unsent, so a burst of alerts is one message);
- `CapacityChanged` from auto_expand -> a billing push in the outbox (the latest count wins).

A rolled-back transaction records nothing.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import ledger, outbox
from seats.clock import utcnow
from seats.events import (
    AlertRaised,
    CapacityChanged,
    Event,
    InviteCreated,
    InviteEnded,
    SeatChanged,
)
from seats.model import SeatStatus
from seats.orgs import get_org
from seats.storage import event_store
from seats.storage.database import before_commit, transaction_state

BILLING_PUSH = "billing_push"
ALERT_EMAIL, ALERT_WEBHOOK = "email", "webhook"
# Alert kinds told at once, past the digest window: each one asks an admin to act now.
URGENT_ALERT_KINDS = frozenset({"deprovision_held"})
_PENDING = "events"


def record(conn: AsyncConnection, *events: Event) -> None:
    """Add events to the transaction `conn` belongs to; they are written just before it commits."""
    state = transaction_state(conn)
    pending: list[Event] | None = state.get(_PENDING)
    if pending is None:
        pending = state[_PENDING] = []
        before_commit(conn, _append)
    pending.extend(events)


async def _append(conn: AsyncConnection) -> None:
    pending: list[Event] = transaction_state(conn).pop(_PENDING)
    if not pending:
        return
    for event in pending:
        if isinstance(event, AlertRaised):
            await _queue_alert_deliveries(conn, event)
        elif isinstance(event, CapacityChanged) and event.source == "auto_expand":
            await _queue_billing_push(conn, event)
    # Last, the events and their ledger entries, in one statement on PostgreSQL: the positions'
    # lock is held from there to COMMIT (event_store.py).
    await event_store.append(
        conn,
        [(e.org_id, e.type, e.data()) for e in pending],
        ledger=[entry for e in pending if (entry := _ledger_entry(e))],
        at=utcnow(),
    )


def _ledger_entry(event: Event) -> ledger.NewEntry | None:
    if isinstance(event, SeatChanged):
        return ledger.NewEntry(
            org_id=event.org_id,
            member_id=event.member_id,
            invite_id=event.invite_id,
            from_status=event.previous_seat_status,
            to_status=event.seat_status,
            reason=event.reason,
            actor=event.actor,
        )
    if isinstance(event, InviteCreated):
        return ledger.NewEntry(
            org_id=event.org_id,
            invite_id=event.invite_id,
            from_status=None,
            to_status=SeatStatus.PENDING_INVITE,
            reason=event.reason,
            actor=event.actor,
        )
    if isinstance(event, InviteEnded):
        return ledger.NewEntry(
            org_id=event.org_id,
            invite_id=event.invite_id,
            from_status=SeatStatus.PENDING_INVITE,
            to_status=None,
            reason=event.reason,
            actor=event.actor,
        )
    return None


async def _queue_alert_deliveries(conn: AsyncConnection, event: AlertRaised) -> None:
    org = await get_org(conn, event.org_id)
    channels = [ALERT_EMAIL] if org.admin_emails else []
    if org.webhook_url:
        channels.append(ALERT_WEBHOOK)
    urgent = event.kind in URGENT_ALERT_KINDS
    for channel in channels:
        await outbox.enqueue(
            conn,
            channel,
            {"alert_ids": [event.alert_id]},
            org_id=event.org_id,
            alert_id=event.alert_id,
            # An urgent message of its own: merged into one waiting out the digest, it would wait.
            merge=None if urgent else _merge_alert_ids,
            urgent=urgent,
        )


async def _queue_billing_push(conn: AsyncConnection, event: CapacityChanged) -> None:
    await outbox.enqueue(
        conn,
        BILLING_PUSH,
        {
            "org_id": event.org_id,
            "seat_limit": event.seat_limit,
            "previous_seat_limit": event.previous_seat_limit,
            "reason": event.source,
            "actor": event.actor,
        },
        org_id=event.org_id,
        merge=_latest_seat_limit,
    )


def alert_ids_of(payload: Mapping[str, Any]) -> list[str]:
    """The alerts an alert email or webhook message carries."""
    return [str(alert_id) for alert_id in payload.get("alert_ids", [])]


def _merge_alert_ids(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    ids = alert_ids_of(old)
    ids += [alert_id for alert_id in alert_ids_of(new) if alert_id not in ids]
    return {**old, "alert_ids": ids}


def _latest_seat_limit(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {**new, "previous_seat_limit": old.get("previous_seat_limit")}
