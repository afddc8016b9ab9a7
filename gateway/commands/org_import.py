"""`seatgate orgs import`: a plan read from JSON Lines (gateway/commands/import_lines.py)
written through the use cases the SCIM and admin APIs call, in one transaction: all of it is
imported or, on any refusal, none of it.

Seats are decided by the seat rules, as for an identity provider's provisioning: users are
created in file order (an export lists them oldest first), so with the same seat limit the
same users get the seats, and users past the limit are `over_limit` with the org's alert and
events. An export also says which seats an admin released (`seat_held`) or assigned: after the
users are in, those releases are made again and users the file shows `active` that are waiting
are given free seats, by the admin's own use cases. Users whose seat status still differs from
the file's are listed in the report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from gateway.commands import runtime
from gateway.commands.import_lines import GroupLine, Plan, read_plan
from gateway.commands.progress import Ticker, progress

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.config import Settings
    from seats.model import Member, Org

ACTOR = "import"


@dataclass
class Report:
    org_id: str = ""
    created_org: bool = False
    users: int = 0
    groups: int = 0
    invites: int = 0
    over_limit: int = 0
    warnings: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return {
            "org_id": self.org_id,
            "created_org": self.created_org,
            "users": self.users,
            "groups": self.groups,
            "invites": self.invites,
            "over_limit": self.over_limit,
            "warnings": len(self.warnings),
        }


def import_org(settings: Settings, source: TextIO, args: argparse.Namespace) -> int:
    """Import `source`; `args` has `name`, `into` and `json` (gateway/commands/orgs.py)."""
    name, into = args.name, args.into
    if source.isatty():
        raise runtime.CommandFailed(
            "orgs import reads the file on stdin: seatgate orgs import < org.jsonl"
        )
    lines = source.readlines()
    with progress("reading", len(lines)) as ticker:
        plan = read_plan(lines, ticker)
    if into is None and not (name or plan.org.get("name")):
        raise runtime.CommandFailed(
            "the file has no org line: name the new organization with --name, or import into "
            "an existing one with --into ORG"
        )
    if into is not None and name is not None:
        raise runtime.CommandFailed("give --name (a new org) or --into (an existing one), not both")

    async def work(conn: AsyncConnection) -> Report:
        with progress("importing", plan.steps) as ticker:
            return await apply_plan(conn, plan, name=name, into=into, ticker=ticker)

    report = runtime.run(settings, work)
    for warning in report.warnings:
        print(f"seatgate: {warning}", file=sys.stderr)
    runtime.print_record(args, report.record())
    return 0


async def apply_plan(
    conn: AsyncConnection, plan: Plan, *, name: str | None, into: str | None, ticker: Ticker
) -> Report:
    from seats import groups, invites, members, orgs
    from seats.errors import SeatLimitReached

    report = Report()
    if into is not None:
        report.org_id = (await orgs.get_org(conn, into)).id
        if plan.org:
            report.warnings.append(f"org settings in the file were not applied to {into}")
    else:
        report.org_id = (
            await _create_org(conn, {**plan.org, **({"name": name} if name else {})})
        ).id
        report.created_org = True
    org_id = report.org_id
    for line in plan.invites:
        with _at_line(line.number):
            try:
                await invites.create_invite(conn, org_id, line.email, role=line.role, actor=ACTOR)
                report.invites += 1
            except SeatLimitReached as refused:
                report.warnings.append(
                    f"line {line.number}: invite for {line.email} skipped: {refused.detail}"
                )
        ticker.advance()
    new_ids: dict[str, str] = {}
    created: list[tuple[Member, str | None, bool]] = []
    for user in plan.users:
        with _at_line(user.number):
            member = await members.create_member(conn, org_id, user.draft, actor=ACTOR)
        if user.source_id is not None:
            new_ids[user.source_id] = member.id
        created.append((member, user.seat_status, user.seat_held))
        report.users += 1
        ticker.advance()
    group_ids = []
    for group in plan.groups:
        with _at_line(group.number):
            made = await groups.create_group(conn, org_id, group.draft)
        if group.source_id is not None:
            new_ids[group.source_id] = made.id
        group_ids.append(made.id)
        report.groups += 1
    for group, group_id in zip(plan.groups, group_ids, strict=True):
        await _add_members(conn, org_id, group_id, group, new_ids, report)
        ticker.advance()
    if plan.exported:
        await _seats_as_exported(conn, org_id, created)
    await _compare_seats(conn, org_id, created, report)
    return report


@contextmanager
def _at_line(number: int) -> Iterator[None]:
    """A use case's refusal names the file's line; the transaction rolls back."""
    from seats.errors import DomainError

    try:
        yield
    except DomainError as error:
        raise runtime.CommandFailed(
            f"line {number}: {error.detail}; nothing was imported"
        ) from None


async def _create_org(conn: AsyncConnection, fields: dict[str, Any]) -> Org:
    from gateway.admin.orgs import validate_org_fields
    from seats import orgs

    # An org moved from another deployment keeps its webhook URL; its secret is set anew.
    checked = validate_org_fields(fields, allow_private_urls=True)
    return await orgs.create_org(conn, **checked)


async def _add_members(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    group: GroupLine,
    new_ids: dict[str, str],
    report: Report,
) -> None:
    from seats.groups import MembershipAction, MembershipChange, update_group

    known = [source for source in group.member_ids if source in new_ids]
    if len(known) < len(group.member_ids):
        missing = len(group.member_ids) - len(known)
        report.warnings.append(
            f"line {group.number}: {missing} member(s) of group {group.draft.display_name!r} "
            "name no user or group in the file and were left out"
        )
    if not known:
        return
    displays = {new_ids[s]: d for s, d in group.displays.items() if s in new_ids}
    change = MembershipChange(MembershipAction.ADD, tuple(new_ids[s] for s in known), displays)
    await update_group(conn, org_id, group_id, membership=[change])


async def _seats_as_exported(
    conn: AsyncConnection, org_id: str, created: list[tuple[Member, str | None, bool]]
) -> None:
    """Make again the admin's releases the export shows, then give waiting users the file
    shows active the seats that are free (the admin's use cases, under the org lock)."""
    from seats import assignment, rules
    from seats.errors import SeatLimitReached
    from seats.model import SeatStatus

    now = await _current(conn, org_id)
    for member, _, held in created:
        if held and rules.counted(now[member.id]):
            await assignment.release_seat(conn, org_id, member.id, actor=ACTOR)
    now = await _current(conn, org_id)
    for member, status, held in created:
        waiting = now[member.id].seat_status is SeatStatus.OVER_LIMIT
        if status == "active" and not held and waiting:
            try:
                await assignment.assign_seat(conn, org_id, member.id, actor=ACTOR)
            except SeatLimitReached:
                return


async def _compare_seats(
    conn: AsyncConnection,
    org_id: str,
    created: list[tuple[Member, str | None, bool]],
    report: Report,
) -> None:
    from seats.model import SeatStatus

    now = await _current(conn, org_id)
    for member, status, _ in created:
        current = now[member.id]
        if current.seat_status is SeatStatus.OVER_LIMIT:
            report.over_limit += 1
        if status is not None and status != current.seat_status.value:
            report.warnings.append(
                f"user {current.user_name!r} is {current.seat_status.value} here "
                f"(the file says {status})"
            )


async def _current(conn: AsyncConnection, org_id: str) -> dict[str, Member]:
    """Every member of the org as it is now, by id (read a batch at a time)."""
    from gateway.commands.org_export import members_in_batches

    return {m.id: m async for batch in members_in_batches(conn, org_id) for m in batch}
