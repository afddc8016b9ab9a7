"""Admin alerts: rows written in the transaction of the change that caused them, each with its
deliveries queued in the outbox (one message per org and channel absorbs every alert raised
until the worker sends it: the digest).

Kinds and their life:
- `seat_limit_reached`: open while an over-limit episode lasts (one per episode), its details
  carry the running count of members over the limit; closed when the episode ends, which raises
- `seats_available` (closed at once: a notice).
- `downgrade_pending`: open from the moment a capacity cut is scheduled until it is applied or
  canceled; `downgrade_enforced` (a notice) when a cut demoted members.
- `billing_sync_failed`: open while pushing seats to billing keeps failing (one per org).

The `Alert` record and the `AlertKind` values are defined beside their SQL, in
seats/storage/alert_store.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log
from seats.clock import new_id, utcnow
from seats.errors import NotFound
from seats.events import AlertRaised
from seats.model import WebhookSigning
from seats.orgs import lock_org
from seats.storage import alert_store, org_store
from seats.storage.alert_store import CLOSED, OPEN, Alert, AlertKind

# The alert message payload is the event log's (it queues the deliveries).
alert_ids_of = event_log.alert_ids_of

__all__ = ["CLOSED", "OPEN", "Alert", "AlertKind", "alert_ids_of"]
EMAIL = event_log.ALERT_EMAIL
WEBHOOK = event_log.ALERT_WEBHOOK
ALERT_CHANNELS = (EMAIL, WEBHOOK)


@dataclass(frozen=True)
class AlertBundle:
    """What a delivery needs: the org's addresses (read at send time) and the alerts' state."""

    org_id: str
    org_name: str
    admin_emails: tuple[str, ...]
    webhook_url: str | None
    webhook_secret: str | None
    webhook_signing: WebhookSigning
    alerts: list[Alert]


async def raise_alert(
    conn: AsyncConnection,
    org_id: str,
    kind: AlertKind,
    details: Mapping[str, Any],
    *,
    open_: bool = False,
    now: datetime | None = None,
) -> Alert:
    """Write an alert (open, or a closed notice) and queue its email and webhook deliveries."""
    now = now or utcnow()
    alert = Alert(
        id=new_id(),
        org_id=org_id,
        kind=kind,
        state=OPEN if open_ else CLOSED,
        details=dict(details),
        created_at=now,
        updated_at=now,
        closed_at=None if open_ else now,
    )
    await alert_store.insert(conn, alert)
    await _notify(conn, alert)
    return alert


async def find_open(conn: AsyncConnection, org_id: str, kind: AlertKind) -> Alert | None:
    return await alert_store.find_open(conn, org_id, kind)


async def update_details(
    conn: AsyncConnection, alert: Alert, details: Mapping[str, Any], *, notify: bool
) -> Alert:
    """Refresh an open alert's details; with `notify`, make sure a message about it is queued."""
    now = utcnow()
    await alert_store.update_details(conn, alert.id, details, now=now)
    updated = Alert(**{**alert.__dict__, "details": dict(details), "updated_at": now})
    if notify:
        await _notify(conn, updated)
    return updated


async def close(conn: AsyncConnection, alert: Alert, **extra_details: Any) -> None:
    await alert_store.close(conn, alert.id, {**alert.details, **extra_details}, now=utcnow())


async def track_over_limit(
    conn: AsyncConnection,
    org_id: str,
    *,
    over_limit: int,
    used: int,
    capacity: int | None,
) -> None:
    """Keep the over-limit episode's alert in step with the count (caller holds the org lock)."""
    current = await find_open(conn, org_id, AlertKind.SEAT_LIMIT_REACHED)
    counts = {"over_limit": over_limit, "used": used, "capacity": capacity}
    if over_limit > 0 and current is None:
        await raise_alert(
            conn,
            org_id,
            AlertKind.SEAT_LIMIT_REACHED,
            {**counts, "peak_over_limit": over_limit},
            open_=True,
        )
    elif over_limit > 0 and current is not None:
        peak = max(int(current.details.get("peak_over_limit", 0)), over_limit)
        details = {**counts, "peak_over_limit": peak}
        if details != current.details:
            # A growing episode is worth another message (digested); a shrinking one is not.
            grew = over_limit > int(current.details.get("over_limit", 0))
            await update_details(conn, current, details, notify=grew)
    elif current is not None:
        await close(conn, current, **counts)
        available = None if capacity is None else max(capacity - used, 0)
        await raise_alert(
            conn,
            org_id,
            AlertKind.SEATS_AVAILABLE,
            {
                **counts,
                "available": available,
                "episode_alert_id": current.id,
                "peak_over_limit": current.details.get("peak_over_limit"),
            },
        )


async def billing_sync_failed(
    conn: AsyncConnection, org_id: str, *, error: str, context: Mapping[str, Any] | None = None
) -> Alert:
    """Tell the org's admins that seats could not be pushed to billing.

    Repeated failures update the one open alert (failure count, last error) without a new
    message; call `billing_sync_recovered` once a push succeeds.
    """
    await lock_org(conn, org_id)
    now = utcnow()
    current = await find_open(conn, org_id, AlertKind.BILLING_SYNC_FAILED)
    if current is None:
        details = {
            "error": error,
            "failures": 1,
            "first_failed_at": now.isoformat(),
            "last_failed_at": now.isoformat(),
            **(context or {}),
        }
        return await raise_alert(
            conn, org_id, AlertKind.BILLING_SYNC_FAILED, details, open_=True, now=now
        )
    details = {
        **current.details,
        **(context or {}),
        "error": error,
        "failures": int(current.details.get("failures", 1)) + 1,
        "last_failed_at": now.isoformat(),
    }
    return await update_details(conn, current, details, notify=False)


async def billing_sync_recovered(conn: AsyncConnection, org_id: str) -> None:
    current = await find_open(conn, org_id, AlertKind.BILLING_SYNC_FAILED)
    if current is not None:
        await close(conn, current, recovered_at=utcnow().isoformat())


async def list_alerts(
    conn: AsyncConnection,
    org_id: str,
    *,
    state: str | None = None,
    kind: AlertKind | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Alert]:
    """Newest first."""
    return await alert_store.list_alerts(
        conn, org_id, state=state, kind=kind, limit=limit, offset=offset
    )


async def bundle_for_delivery(
    conn: AsyncConnection, org_id: str, alert_ids: list[str]
) -> AlertBundle:
    found = await org_store.find_with_webhook_secret(conn, org_id)
    if found is None:
        raise NotFound(f"organization {org_id} does not exist")
    org, secret = found
    return AlertBundle(
        org_id=org.id,
        org_name=org.name,
        admin_emails=org.admin_emails,
        webhook_url=org.webhook_url,
        webhook_secret=secret,
        webhook_signing=org.webhook_signing,
        alerts=await alert_store.find_by_ids(conn, org_id, alert_ids),
    )


async def _notify(conn: AsyncConnection, alert: Alert) -> None:
    # The event log queues the email and webhook deliveries (seats/event_log.py).
    event_log.record(
        conn, AlertRaised(alert.org_id, alert.id, alert.kind.value, dict(alert.details))
    )
