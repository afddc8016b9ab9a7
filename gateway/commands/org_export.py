"""`seatgate orgs export ORG`: one organization as JSON Lines on stdout (docs/cli.md has the
format). Read in one read transaction, so the file is one consistent snapshot.

What moves: the org's settings (not its webhook secret, Stripe ids, SCIM tokens, product
clients or event endpoints: secrets and this deployment's wiring), its pending invites, its
users with their seat status, and its groups with their members. Users and groups are SCIM
resources as the gateway stores them, so another SCIM server's resources import the same way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from gateway.commands.progress import Ticker, progress

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings
    from seats.model import Group, Member, MemberRef, Org
    from seats.storage.invite_store import Invite

FORMAT = "seatgate-org-export"
VERSION = 1
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
# Rows read per statement: memory stays flat for orgs of any size.
BATCH = 500


def export_org(settings: Settings, org_id: str, out: TextIO) -> int:
    from gateway.commands import runtime

    async def work(conn: AsyncConnection) -> None:
        await write_export(conn, org_id, out)

    runtime.run(settings, work, write=False)
    return 0


async def write_export(conn: AsyncConnection, org_id: str, out: TextIO) -> None:
    from seats import invites
    from seats.orgs import get_org
    from seats.storage import group_queries, member_queries

    org = await get_org(conn, org_id)
    pending = await invites.list_invites(conn, org_id, status="pending")
    users = await member_queries.count_members(conn, org_id, None)
    groups = await group_queries.count_groups(conn, org_id, None)
    counts = {"invites": len(pending), "users": users, "groups": groups}
    with progress(f"exporting {org.name}", sum(counts.values())) as ticker:
        _write(out, [header_line(org), org_line(org)])
        _write(out, (invite_line(invite) for invite in pending))
        ticker.advance(len(pending))
        async for batch in members_in_batches(conn, org_id):
            _write(out, (user_line(member) for member in batch))
            ticker.advance(len(batch))
        async for lines in _group_lines(conn, org_id, ticker):
            _write(out, lines)
        _write(out, [{"type": "end", **counts}])
    out.flush()


def header_line(org: Org) -> dict[str, Any]:
    return {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "org_id": org.id,
    }


def org_line(org: Org) -> dict[str, Any]:
    return {
        "type": "org",
        "name": org.name,
        "seat_limit": org.seat_limit,
        "seat_policy": org.seat_policy.value,
        "max_seats": org.max_seats,
        "exempt_user_types": list(org.exempt_user_types),
        "admin_emails": list(org.admin_emails),
        "webhook_url": org.webhook_url,
        "webhook_signing": org.webhook_signing.value,
        "invite_expiry_days": org.invite_expiry_days,
    }


def invite_line(invite: Invite) -> dict[str, Any]:
    return {"type": "invite", "email": invite.email, "role": invite.role}


def user_line(member: Member) -> dict[str, Any]:
    return {
        "type": "user",
        "id": member.id,
        "seat_status": member.seat_status.value,
        "seat_held": member.seat_held,
        "resource": member.resource,
    }


def group_line(group: Group, refs: Iterable[MemberRef]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        **group.resource,
        "schemas": [GROUP_SCHEMA],
        "displayName": group.display_name,
    }
    if group.external_id is not None:
        resource["externalId"] = group.external_id
    resource["members"] = [
        {"value": ref.value, "type": ref.type, **({"display": ref.display} if ref.display else {})}
        for ref in refs
    ]
    return {"type": "group", "id": group.id, "resource": resource}


async def members_in_batches(conn: AsyncConnection, org_id: str) -> AsyncIterator[list[Member]]:
    """The org's users oldest first (the order seats were handed out in)."""
    from seats.query import ListQuery, Position
    from seats.storage import member_queries

    after = None
    while True:
        query = ListQuery(after=after, limit=BATCH, with_total=False)
        _, batch = await member_queries.list_members(conn, org_id, query)
        if not batch:
            return
        yield batch
        after = Position(None, batch[-1].created_at, batch[-1].id)


async def _group_lines(
    conn: AsyncConnection, org_id: str, ticker: Ticker
) -> AsyncIterator[list[dict[str, Any]]]:
    from seats.query import ListQuery, Position
    from seats.storage import group_queries, membership_store

    after = None
    while True:
        query = ListQuery(after=after, limit=BATCH, with_total=False)
        _, batch = await group_queries.list_groups(conn, org_id, query)
        if not batch:
            return
        refs = await membership_store.members_of(conn, org_id, [group.id for group in batch])
        yield [group_line(group, refs[group.id]) for group in batch]
        ticker.advance(len(batch))
        after = Position(None, batch[-1].created_at, batch[-1].id)


def _write(out: TextIO, lines: Iterable[dict[str, Any]]) -> None:
    out.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
