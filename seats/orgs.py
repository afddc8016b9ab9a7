"""Organizations: create, read, list, change settings, and the per-org lock the seat rules rely
on."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.alert_signing import check_webhook_secret
from seats.clock import new_id, utcnow
from seats.directory import CreatedKey, Page
from seats.errors import InvalidValue, NotFound
from seats.model import DEFAULT_EXEMPT_USER_TYPES, Org, SeatPolicy, WebhookSigning
from seats.storage import org_store
from seats.storage.org_store import OrgLock

MAX_SEAT_LIMIT = 10_000_000

_LOCK = OrgLock()
_SIGNING_SETTINGS = frozenset({"webhook_secret", "webhook_signing"})


async def create_org(
    conn: AsyncConnection,
    *,
    name: str,
    seat_limit: int | None = None,
    seat_policy: str = SeatPolicy.OVER_LIMIT,
    max_seats: int | None = None,
    exempt_user_types: tuple[str, ...] = DEFAULT_EXEMPT_USER_TYPES,
    admin_emails: tuple[str, ...] = (),
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_signing: str = WebhookSigning.STANDARD,
    invite_expiry_days: int = 7,
    deprovision_guard_share: float | None = None,
    deprovision_guard_count: int | None = None,
    deprovision_guard_window_seconds: int | None = None,
) -> Org:
    check_webhook_secret(WebhookSigning(webhook_signing), webhook_secret)
    now = utcnow()
    org = Org(
        id=new_id(),
        name=name,
        seat_limit=seat_limit,
        seat_policy=SeatPolicy(seat_policy),
        max_seats=max_seats,
        exempt_user_types=tuple(exempt_user_types),
        admin_emails=tuple(admin_emails),
        webhook_url=webhook_url,
        invite_expiry_days=invite_expiry_days,
        created_at=now,
        updated_at=now,
        deprovision_guard_share=deprovision_guard_share,
        deprovision_guard_count=deprovision_guard_count,
        deprovision_guard_window_seconds=deprovision_guard_window_seconds,
        webhook_signing=WebhookSigning(webhook_signing),
    )
    await org_store.insert(conn, org, webhook_secret=webhook_secret)
    return org


async def get_org(conn: AsyncConnection, org_id: str) -> Org:
    org = await org_store.find(conn, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} does not exist")
    return org


async def list_orgs(
    conn: AsyncConnection,
    *,
    limit: int,
    after: CreatedKey | None = None,
    search: str | None = None,
) -> Page[Org, CreatedKey]:
    """A page of orgs, oldest first; `search` keeps those whose name contains it."""
    rows = await org_store.page(
        conn,
        limit=limit + 1,
        after=(after.created_at, after.id) if after else None,
        name_contains=search,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(tuple(rows[:limit]), CreatedKey(last.created_at, last.id) if last else None)


async def orgs_listing_admin(conn: AsyncConnection, email: str) -> list[Org]:
    """The orgs whose admin list holds `email` (the console's sign-in by email), oldest first."""
    return [
        await get_org(conn, org_id) for org_id in await org_store.ids_listing_admin(conn, email)
    ]


async def lock_org(conn: AsyncConnection, org_id: str) -> Org:
    """Read the org and hold its row lock until the transaction ends (`OrgLock.take`)."""
    org, _ = await _LOCK.take(conn, {"org_id": org_id})
    return org


async def update_org(conn: AsyncConnection, org_id: str, changes: Mapping[str, Any]) -> Org:
    """Write already-validated settings (the seat engine validates capacity changes); a
    changed alert webhook secret or signing scheme is checked against the other's value."""
    if not changes:
        return await get_org(conn, org_id)
    if changes.keys() & _SIGNING_SETTINGS:
        await _check_signing(conn, org_id, changes)
    if not await org_store.update(conn, org_id, changes, now=utcnow()):
        raise NotFound(f"organization {org_id} does not exist")
    return await get_org(conn, org_id)


async def _check_signing(conn: AsyncConnection, org_id: str, changes: Mapping[str, Any]) -> None:
    found = await org_store.find_with_webhook_secret(conn, org_id)
    if found is None:
        raise NotFound(f"organization {org_id} does not exist")
    org, secret = found
    check_webhook_secret(
        WebhookSigning(changes.get("webhook_signing", org.webhook_signing)),
        changes.get("webhook_secret", secret),
    )


def validate_seat_number(name: str, value: Any, *, allow_null: bool, minimum: int = 0) -> None:
    """Refuse values a seat count cannot be, with a sentence saying what is allowed."""
    if value is None:
        if allow_null:
            return
        raise InvalidValue(f"{name} is required: a whole number from {minimum}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(
            f"{name} must be a whole number from {minimum} to {MAX_SEAT_LIMIT}"
            + (", or null for unlimited" if allow_null else "")
            + f"; got {value!r}"
        )
    if not minimum <= value <= MAX_SEAT_LIMIT:
        raise InvalidValue(
            f"{name} must be between {minimum} and {MAX_SEAT_LIMIT}; got {value}", value=value
        )
