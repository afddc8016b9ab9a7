"""How alerts read once delivered, and the outbox handlers of the `email` and `webhook` channels.

An outbox message names the alerts it carries (`{"alert_ids": [...]}`); the handler reads them
when it sends, so a message that waited through the digest window tells the latest count. The
org's addresses are read at send time too: a fixed address gets the retried message.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from gateway.integrations.email import EmailSender
from gateway.integrations.webhooks import WebhookSender
from seats import alerts
from seats.alerts import Alert, AlertBundle, AlertKind
from seats.errors import NotFound
from seats.outbox import OutboxMessage
from seats.storage.database import Database

OutboxHandler = Callable[[OutboxMessage], Awaitable[str | None]]


def describe(alert: Alert) -> str:
    """One sentence an admin can act on."""
    d = alert.details
    capacity = "unlimited" if d.get("capacity") is None else d.get("capacity")
    match alert.kind:
        case AlertKind.SEAT_LIMIT_REACHED if alert.state == alerts.OPEN:
            return (
                f"{d.get('over_limit')} member(s) are over the seat limit ({d.get('used')} of "
                f"{capacity} seats used). They are provisioned and marked over_limit; they get "
                "a seat as soon as one frees up or the limit is raised."
            )
        case AlertKind.SEAT_LIMIT_REACHED:
            return (
                f"The organization went over its seat limit (at most "
                f"{d.get('peak_over_limit')} member(s) over); that is over now."
            )
        case AlertKind.SEATS_AVAILABLE:
            return (
                f"Every member has a seat again ({d.get('used')} of {capacity} seats used, "
                f"{d.get('available', 'unlimited')} available)."
            )
        case AlertKind.DOWNGRADE_PENDING:
            return (
                f"The seat limit drops from {_limit(d.get('current_capacity'))} to "
                f"{d.get('new_capacity')} at {d.get('effective_at')}. {d.get('used')} seats are "
                f"in use: {d.get('to_be_demoted')} member(s) will then be over the limit "
                "unless seats are freed or the change is canceled."
            )
        case AlertKind.DOWNGRADE_ENFORCED:
            return (
                f"The seat limit dropped from {_limit(d.get('previous_capacity'))} to "
                f"{d.get('new_capacity')}: the {d.get('demoted')} newest member(s) are now over "
                f"the limit and {d.get('revoked_invites')} pending invite(s) were revoked."
            )
        case AlertKind.DEPROVISION_HELD if alert.state == alerts.OPEN:
            return (
                f"The identity provider deprovisioned more members than the guard allows "
                f"({d.get('allowed')} within {d.get('window_seconds')} s): {d.get('held')} "
                "further deactivation(s) or deletion(s) are held. Those members keep their "
                "seats until an admin confirms or rejects hold "
                f"{d.get('hold_id')} (console, or POST /admin/v1/orgs/{{id}}/deprovision-holds/"
                "{hold_id}/confirm or /reject)."
            )
        case AlertKind.DEPROVISION_HELD:
            return (
                f"The held deprovisions of hold {d.get('hold_id')} were "
                f"{d.get('resolution')} by {d.get('resolved_by')}."
            )
        case AlertKind.BILLING_SYNC_FAILED:
            return (
                f"Seat changes could not be pushed to billing ({d.get('failures')} failure(s), "
                f"last: {d.get('error')}). Billing may not match the seats in use."
            )
    return f"{alert.kind.value}: {d}"


def email_subject(bundle: AlertBundle) -> str:
    if len(bundle.alerts) == 1:
        kind = bundle.alerts[0].kind.value.replace("_", " ")
        return f"[seatgate] {bundle.org_name}: {kind}"
    return f"[seatgate] {bundle.org_name}: {len(bundle.alerts)} seat alerts"


def email_body(bundle: AlertBundle) -> str:
    lines = [f"Seat alerts for {bundle.org_name} ({bundle.org_id}):", ""]
    for alert in bundle.alerts:
        lines.append(f"- {alert.kind.value} ({alert.state}, {alert.created_at.isoformat()})")
        lines.append(f"  {describe(alert)}")
    lines += ["", "Seat details: GET /admin/v1/orgs/{id}/seats and /alerts on your gateway."]
    return "\n".join(lines)


def webhook_payload(bundle: AlertBundle, *, delivery_id: str) -> dict[str, Any]:
    text = "\n".join(
        [f"*seatgate* - {bundle.org_name}"] + [f"• {describe(a)}" for a in bundle.alerts]
    )
    return {
        "type": "seatgate.alerts",
        "delivery_id": delivery_id,
        "org": {"id": bundle.org_id, "name": bundle.org_name},
        "alerts": [
            {
                "id": a.id,
                "kind": a.kind.value,
                "state": a.state,
                "summary": describe(a),
                "details": a.details,
                "created_at": a.created_at.isoformat(),
                "updated_at": a.updated_at.isoformat(),
                "closed_at": a.closed_at.isoformat() if a.closed_at else None,
            }
            for a in bundle.alerts
        ],
        # Slack incoming webhooks (and compatible chat tools) show this field.
        "text": text,
    }


def alert_handlers(
    database: Database, *, email: EmailSender | None, webhooks: WebhookSender
) -> dict[str, OutboxHandler]:
    """Handlers for the alert channels; `email` only when an SMTP server is configured."""

    async def bundle_of(message: OutboxMessage) -> AlertBundle | None:
        if message.org_id is None:
            return None
        async with database.read() as conn:
            try:
                return await alerts.bundle_for_delivery(
                    conn, message.org_id, alerts.alert_ids_of(message.payload)
                )
            except NotFound:
                return None

    async def deliver_email(message: OutboxMessage) -> str:
        assert email is not None
        bundle = await bundle_of(message)
        if bundle is None or not bundle.alerts:
            return "skipped: the organization or its alerts no longer exist"
        if not bundle.admin_emails:
            return "skipped: the organization has no admin_emails"
        return await email.send(
            bundle.admin_emails,
            email_subject(bundle),
            email_body(bundle),
            message_id=f"<seatgate-outbox-{message.id}@seatgate.invalid>",
        )

    async def deliver_webhook(message: OutboxMessage) -> str:
        bundle = await bundle_of(message)
        if bundle is None or not bundle.alerts:
            return "skipped: the organization or its alerts no longer exist"
        if not bundle.webhook_url:
            return "skipped: the organization has no webhook_url"
        delivery_id = f"outbox-{message.id}"
        return await webhooks.post(
            bundle.webhook_url,
            webhook_payload(bundle, delivery_id=delivery_id),
            secret=bundle.webhook_secret,
            signing=bundle.webhook_signing,
            delivery_id=delivery_id,
        )

    handlers: dict[str, OutboxHandler] = {alerts.WEBHOOK: deliver_webhook}
    if email is not None:
        handlers[alerts.EMAIL] = deliver_email
    return handlers


def _limit(value: Any) -> str:
    return "unlimited" if value is None else str(value)
