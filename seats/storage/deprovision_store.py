"""SQL of the mass-deprovisioning guard: its two tables (a hold, the batch an admin decides
about; and each deprovision held in it), the members' `deprovision_hold_id` mark, and the
counts the guard's rule is asked with. Tables share the MetaData of tables.py.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import Member, SeatStatus
from seats.storage.direct_statements import DirectStatement
from seats.storage.member_store import to_member
from seats.storage.tables import (
    COUNTED_DEPROVISIONS,
    Json,
    UTCDateTime,
    members,
    metadata,
    seat_ledger,
)


class HoldState(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class HeldAction(StrEnum):
    DEACTIVATE = "deactivate"
    DELETE = "delete"


deprovision_holds = sa.Table(
    "deprovision_holds",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "org_id", sa.String(36), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("alert_id", sa.String(36), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("resolved_at", UTCDateTime(), nullable=True),
    sa.Column("resolved_by", sa.String(400), nullable=True),
    # How many deprovisions the hold had when it was decided (its rows are gone by then).
    sa.Column("decided_count", sa.Integer, nullable=True),
    sa.Index("ix_deprovision_holds_org_id_state", "org_id", "state"),
)

held_deprovisions = sa.Table(
    "held_deprovisions",
    metadata,
    sa.Column(
        "member_id",
        sa.String(36),
        sa.ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "hold_id",
        sa.String(36),
        sa.ForeignKey("deprovision_holds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("org_id", sa.String(36), nullable=False),
    sa.Column("action", sa.String(12), nullable=False),
    # For a deactivation, the member as the IdP sent it (applied as it was on confirm).
    sa.Column("draft", Json, nullable=True),
    sa.Column("actor", sa.String(400), nullable=False),
    sa.Column("requested_at", UTCDateTime(), nullable=False),
    sa.Index("ix_held_deprovisions_hold_id", "hold_id", "requested_at"),
)


@dataclass(frozen=True)
class Hold:
    id: str
    org_id: str
    state: HoldState
    alert_id: str | None
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    held: int = 0


@dataclass(frozen=True)
class HeldDeprovision:
    member_id: str
    hold_id: str
    org_id: str
    action: HeldAction
    draft: dict[str, Any] | None
    actor: str
    requested_at: datetime
    user_name: str | None = None


_HELD_COUNT = (
    sa.select(sa.func.count())
    .where(held_deprovisions.c.hold_id == deprovision_holds.c.id)
    .scalar_subquery()
    .label("held")
)


def _hold(row: Any) -> Hold:
    return Hold(
        id=row["id"],
        org_id=row["org_id"],
        state=HoldState(row["state"]),
        alert_id=row["alert_id"],
        created_at=row["created_at"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        held=row["held"] if row["decided_count"] is None else row["decided_count"],
    )


async def insert_hold(conn: AsyncConnection, hold: Hold) -> None:
    await conn.execute(
        deprovision_holds.insert().values(
            id=hold.id,
            org_id=hold.org_id,
            state=hold.state.value,
            alert_id=hold.alert_id,
            created_at=hold.created_at,
        )
    )


async def holds(
    conn: AsyncConnection, org_id: str, *, state: HoldState | None = None, limit: int = 50
) -> list[Hold]:
    """The org's holds, newest first."""
    query = sa.select(deprovision_holds, _HELD_COUNT).where(deprovision_holds.c.org_id == org_id)
    if state is not None:
        query = query.where(deprovision_holds.c.state == state.value)
    query = query.order_by(deprovision_holds.c.created_at.desc()).limit(limit)
    return [_hold(row) for row in (await conn.execute(query)).mappings()]


_OPEN_HOLD = (
    sa.select(deprovision_holds, _HELD_COUNT)
    .where(
        deprovision_holds.c.org_id == sa.bindparam("org_id"),
        deprovision_holds.c.state == HoldState.OPEN.value,
    )
    .order_by(deprovision_holds.c.created_at.desc())
    .limit(1)
)


async def open_hold(conn: AsyncConnection, org_id: str) -> Hold | None:
    """The org's open hold, if it has one (the guard asks at every deprovision: the statement
    is built once)."""
    row = (await conn.execute(_OPEN_HOLD, {"org_id": org_id})).mappings().first()
    return None if row is None else _hold(row)


async def hold_by_id(conn: AsyncConnection, org_id: str, hold_id: str) -> Hold | None:
    query = sa.select(deprovision_holds, _HELD_COUNT).where(
        deprovision_holds.c.org_id == org_id, deprovision_holds.c.id == hold_id
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _hold(row)


async def set_alert(conn: AsyncConnection, hold_id: str, alert_id: str) -> None:
    await conn.execute(
        deprovision_holds.update()
        .where(deprovision_holds.c.id == hold_id)
        .values(alert_id=alert_id)
    )


async def resolve(
    conn: AsyncConnection,
    hold_id: str,
    state: HoldState,
    *,
    held: int,
    actor: str,
    now: datetime,
) -> None:
    await conn.execute(
        deprovision_holds.update()
        .where(deprovision_holds.c.id == hold_id)
        .values(state=state.value, resolved_at=now, resolved_by=actor, decided_count=held)
    )


async def hold_member(conn: AsyncConnection, held: HeldDeprovision) -> None:
    """Mark the member held and keep what the IdP asked for."""
    await conn.execute(
        held_deprovisions.insert().values(
            member_id=held.member_id,
            hold_id=held.hold_id,
            org_id=held.org_id,
            action=held.action.value,
            draft=held.draft,
            actor=held.actor,
            requested_at=held.requested_at,
        )
    )
    await conn.execute(
        members.update()
        .where(members.c.id == held.member_id)
        .values(deprovision_hold_id=held.hold_id)
    )


def _held(row: Any) -> HeldDeprovision:
    return HeldDeprovision(
        member_id=row["member_id"],
        hold_id=row["hold_id"],
        org_id=row["org_id"],
        action=HeldAction(row["action"]),
        draft=row["draft"],
        actor=row["actor"],
        requested_at=row["requested_at"],
        user_name=row.get("user_name"),
    )


async def held_for(conn: AsyncConnection, member_ids: list[str]) -> dict[str, HeldDeprovision]:
    """What is held for each of these members that has a held deprovision, by member id."""
    if not member_ids:
        return {}
    query = sa.select(held_deprovisions).where(held_deprovisions.c.member_id.in_(member_ids))
    return {row["member_id"]: _held(row) for row in (await conn.execute(query)).mappings()}


async def update_draft(conn: AsyncConnection, member_id: str, draft: dict[str, Any]) -> None:
    await conn.execute(
        held_deprovisions.update()
        .where(held_deprovisions.c.member_id == member_id)
        .values(draft=draft)
    )


async def release_member(conn: AsyncConnection, member_id: str) -> None:
    """Take one member out of its hold, as it was."""
    await conn.execute(held_deprovisions.delete().where(held_deprovisions.c.member_id == member_id))
    await conn.execute(
        members.update().where(members.c.id == member_id).values(deprovision_hold_id=None)
    )


async def change_action(conn: AsyncConnection, member_id: str, action: HeldAction) -> None:
    await conn.execute(
        held_deprovisions.update()
        .where(held_deprovisions.c.member_id == member_id)
        .values(action=action.value)
    )


async def held_in(
    conn: AsyncConnection, hold_id: str, *, limit: int | None = None
) -> list[HeldDeprovision]:
    """The deprovisions of a hold in the order the IdP asked for them."""
    query = (
        sa.select(held_deprovisions, members.c.user_name)
        .join(members, members.c.id == held_deprovisions.c.member_id)
        .where(held_deprovisions.c.hold_id == hold_id)
        .order_by(held_deprovisions.c.requested_at, held_deprovisions.c.member_id)
        .limit(limit)
    )
    return [_held(row) for row in (await conn.execute(query)).mappings()]


async def release(conn: AsyncConnection, hold_id: str) -> None:
    """Unmark the hold's members and forget what was held (the hold row stays, resolved)."""
    await conn.execute(
        members.update()
        .where(members.c.deprovision_hold_id == hold_id)
        .values(deprovision_hold_id=None)
    )
    await conn.execute(held_deprovisions.delete().where(held_deprovisions.c.hold_id == hold_id))


# Members the IdP still sees: all but those whose deletion is held (a held deactivation shows
# as the IdP sent it).
VISIBLE_TO_IDP = sa.or_(
    members.c.deprovision_hold_id.is_(None),
    ~sa.exists().where(
        held_deprovisions.c.member_id == members.c.id,
        held_deprovisions.c.action == HeldAction.DELETE.value,
    ),
)

# The entries of the partial index ix_seat_ledger_deprovisions, in its own words, so that the
# planners use it.
_COUNTED_DEPROVISIONS = sa.text(COUNTED_DEPROVISIONS)


@dataclass(frozen=True)
class WindowCounts:
    """What the guard asks its rule with, read in one statement (`member_and_window_counts`)."""

    # The org's open hold, if it has one, and how many deprovisions it holds; then the counts
    # are not taken (every further deprovision joins the hold): None and 0.
    open_hold_id: str | None
    open_hold_held: int
    # Members deprovisioned in the window (None: not counted), members not deactivated now.
    deprovisioned: int | None
    remaining: int


async def member_and_window_counts(
    conn: AsyncConnection,
    org_id: str,
    member_id: str,
    *,
    window_start: datetime,
    deprovisioned_cap: int | None,
    remaining_cap: int | None,
    uncounted_below: int = 0,
    may_deprovision: bool = True,
) -> tuple[Member | None, WindowCounts]:
    """The member by id and, in the same round trip (a guarded DELETE or PATCH asks both under
    the org lock, and each round trip there is time the lock is held), the org's open hold,
    else the members deprovisioned in the window (from the seat ledger: deactivated, or
    deleted while not already deactivated; each member once) and the members not deactivated
    now. The counts are taken only for a member that can be deprovisioned, by a change that may
    deprovision it (`may_deprovision`: not a PUT that keeps it active): otherwise, and for a
    member missing, deactivated or held, `deprovisioned` is None and `remaining` 0. The window
    begins at `window_start` or at the org's last confirmed hold, whichever is later.

    Each count stops at its cap (None: none), where it can no longer change the guard's answer
    (deprovision_rules.counting_caps): the work per deprovision stays bounded however many
    members the org has and however many left in the window. While the whole ledger has fewer
    entries than `uncounted_below` (its newest id is at least their number), the deprovisions
    are not counted at all: None (deprovision_rules.never_held_below).
    """
    statement = _window_counts_statement(deprovisioned_cap is not None, remaining_cap is not None)
    parameters = {
        "org_id": org_id,
        "member_id": member_id,
        "window_start": window_start,
        "deprovisioned_cap": deprovisioned_cap,
        "remaining_cap": remaining_cap,
        "uncounted_below": uncounted_below,
        "may_deprovision": may_deprovision,
    }
    row = await statement.first_on(conn, parameters)
    assert row is not None, "the statement has one row whatever the org holds"
    member = None if row["id"] is None else to_member(row)
    return member, _window_counts_of(row)


def _window_counts_of(row: Mapping[str, Any]) -> WindowCounts:
    deprovisioned = row["deprovisioned"]
    return WindowCounts(
        open_hold_id=row["open_hold_id"],
        open_hold_held=int(row["open_hold_held"] or 0),
        deprovisioned=None if deprovisioned is None else int(deprovisioned),
        remaining=int(row["remaining"]),
    )


@functools.cache
def _window_counts_statement(deprovisioned_capped: bool, remaining_capped: bool) -> DirectStatement:
    """member_and_window_counts' statement, built once per kind of cap (a LIMIT NULL is not
    SQLite's), run by the driver directly: every deprovision asks it, and SQLAlchemy's
    execution path costs several times what SQLite takes to answer (about 10 us)."""
    org_id = sa.bindparam("org_id", type_=sa.String())
    deactivated = SeatStatus.DEACTIVATED.value
    confirmed = (
        sa.select(sa.func.max(deprovision_holds.c.resolved_at))
        .where(
            deprovision_holds.c.org_id == org_id,
            deprovision_holds.c.state == HoldState.CONFIRMED.value,
        )
        .scalar_subquery()
    )
    gone = (
        sa.select(seat_ledger.c.member_id)
        .distinct()
        .where(
            seat_ledger.c.org_id == org_id,
            seat_ledger.c.at >= sa.bindparam("window_start", type_=UTCDateTime()),
            sa.or_(confirmed.is_(None), seat_ledger.c.at >= confirmed),
            seat_ledger.c.member_id.is_not(None),
            _COUNTED_DEPROVISIONS,
        )
    )
    remaining = (
        # A constant, not the id: the count reads the (org_id, seat_status) index alone.
        sa.select(sa.literal_column("1")).where(
            members.c.org_id == org_id, members.c.seat_status != deactivated
        )
    )
    if deprovisioned_capped:
        gone = gone.limit(sa.bindparam("deprovisioned_cap", type_=sa.Integer()))
    if remaining_capped:
        remaining = remaining.limit(sa.bindparam("remaining_cap", type_=sa.Integer()))
    # At least the number of ledger entries (ids are distinct and positive), read from the end
    # of the primary key's index.
    ledger_bound = sa.select(sa.func.coalesce(sa.func.max(seat_ledger.c.id), 0)).scalar_subquery()
    uncounted_below = sa.bindparam("uncounted_below", type_=sa.BigInteger())
    # The open hold, outer-joined to a row of its own so that the statement always has a row.
    one_row = sa.select(sa.literal_column("1").label("one")).subquery("one_row")
    hold = (
        sa.select(deprovision_holds.c.id, _HELD_COUNT)
        .where(
            deprovision_holds.c.org_id == org_id,
            deprovision_holds.c.state == HoldState.OPEN.value,
        )
        .order_by(deprovision_holds.c.created_at.desc())
        .limit(1)
        .subquery("open_hold")
    )
    member = (
        sa.select(members)
        .where(members.c.org_id == org_id, members.c.id == sa.bindparam("member_id"))
        .subquery("member")
    )
    # Nothing to count while a hold is open, for a change that cannot deprovision, nor for a
    # member that is not there, already deactivated or held.
    uncounted = sa.or_(
        hold.c.id.is_not(None),
        sa.not_(sa.bindparam("may_deprovision", type_=sa.Boolean())),
        member.c.id.is_(None),
        member.c.seat_status == deactivated,
        member.c.deprovision_hold_id.is_not(None),
    )
    # A CASE evaluates the branch it takes: no count runs while a hold is open, nor the
    # deprovisions' while the bound settles it.
    deprovisioned = sa.case(
        (uncounted, None), (ledger_bound < uncounted_below, None), else_=_count_of(gone)
    )
    query = sa.select(
        hold.c.id.label("open_hold_id"),
        hold.c.held.label("open_hold_held"),
        deprovisioned.label("deprovisioned"),
        sa.case((uncounted, 0), else_=_count_of(remaining)).label("remaining"),
        *member.c,
    ).select_from(one_row.outerjoin(hold, sa.true()).outerjoin(member, sa.true()))
    return DirectStatement(query)


def _count_of(rows: sa.Select[Any]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(rows.subquery()).scalar_subquery()
