"""The admin's list of an organization's members (the console's Members page): search by name
or address, filter by seat status, sort, one keyset page at a time.

A page resumes after the position (sort value, created_at, id) of the last member it held,
never at an offset, so the last page of 100,000 members costs what the first does and a member
created meanwhile shifts nothing. The query is a seats.query `ListQuery` run by
seats/storage/member_queries.py, like SCIM's; the rows come back in the directory read model
(seats.directory.DirectoryUser: seat reason and groups read once per page).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import rules
from seats.directory import DirectoryUser, GroupRef, Page
from seats.model import Member, SeatStatus
from seats.profile import emails_of, formatted_name
from seats.query import (
    And,
    Comparison,
    Condition,
    ListQuery,
    MemberField,
    Op,
    Position,
    Sort,
    member_search,
)
from seats.storage import member_queries
from seats.storage.directory_queries import latest_seat_reasons
from seats.storage.member_store import groups_of_members
from seats.summary import SeatSummary

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class ListedMember:
    """A member as the directory shows it, and what an admin may do with its seat."""

    user: DirectoryUser
    holds_seat: bool  # active and not seat-exempt: its seat can be released
    exempt: bool
    # Released by an admin: waits over the limit until an admin assigns it a seat.
    held: bool


class MemberOrder(StrEnum):
    """How the list is sorted; every order ends on (created_at, id), so it is total."""

    NAME = "name"  # userName, A to Z, ignoring case
    CREATED = "created"  # oldest first
    CHANGED = "changed"  # latest change first

    @property
    def sort(self) -> Sort | None:
        if self is MemberOrder.NAME:
            return Sort(MemberField.USER_NAME)
        if self is MemberOrder.CHANGED:
            return Sort(MemberField.UPDATED_AT, descending=True)
        return None  # (created_at, id) is the order every sort ends on


async def list_members(
    conn: AsyncConnection,
    org_id: str,
    *,
    search: str = "",
    seat_status: SeatStatus | None = None,
    order: MemberOrder = MemberOrder.NAME,
    limit: int = 50,
    after: Position | None = None,
) -> Page[ListedMember, Position]:
    """The page of members after `after` that `search` finds with `seat_status`, in `order`;
    its `next_after` is where the next page starts (None: this was the last)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = ListQuery(
        condition=_condition(search, seat_status),
        sort=order.sort,
        after=after,
        # One more than the page: whether a next page exists, without counting every match.
        limit=limit + 1,
        with_total=False,
    )
    _, found = await member_queries.list_members(conn, org_id, query)
    page = found[:limit]
    next_after = None
    if len(found) > limit:
        last = page[-1]
        value = None
        if order.sort is not None:
            value = await member_queries.member_sort_value(conn, org_id, last.id, order.sort)
        next_after = Position(value, last.created_at, last.id)
    return Page(tuple(await _listed(conn, org_id, page)), next_after)


def seat_is_free(summary: SeatSummary) -> bool:
    """Whether an admin could assign a seat now (seats.assignment.assign_seat would take one,
    growing capacity first under auto_expand)."""
    status, _ = rules.decide(
        used=summary.used,
        capacity=summary.capacity,
        policy=summary.seat_policy,
        max_seats=summary.max_seats,
    )
    return status is SeatStatus.ACTIVE


def _condition(search: str, seat_status: SeatStatus | None) -> Condition | None:
    terms: list[Condition] = []
    if search.strip():
        terms.append(member_search(search))
    if seat_status is not None:
        terms.append(Comparison(MemberField.SEAT_STATUS, Op.EQ, seat_status.value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(tuple(terms))


async def _listed(conn: AsyncConnection, org_id: str, page: Sequence[Member]) -> list[ListedMember]:
    ids = [member.id for member in page]
    reasons = await latest_seat_reasons(conn, ids)
    groups = await groups_of_members(conn, org_id, ids)
    return [
        ListedMember(
            user=_directory_user(member, reasons.get(member.id), groups[member.id]),
            holds_seat=rules.counted(member),
            exempt=member.exempt,
            held=member.seat_held,
        )
        for member in page
    ]


def _directory_user(
    member: Member, reason: str | None, groups: Sequence[tuple[str, str]]
) -> DirectoryUser:
    return DirectoryUser(
        id=member.id,
        user_name=member.user_name,
        external_id=member.external_id,
        active=member.active,
        emails=emails_of(member.resource.get("emails"), member.email),
        given_name=member.given_name,
        family_name=member.family_name,
        formatted_name=formatted_name(_formatted(member), member.given_name, member.family_name),
        display_name=member.display_name,
        seat_status=member.seat_status,
        seat_reason=reason,
        groups=tuple(GroupRef(id=gid, display_name=name) for gid, name in groups),
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


def _formatted(member: Member) -> object:
    name = member.resource.get("name")
    return name.get("formatted") if isinstance(name, dict) else None
