"""Seat assignment by an admin: release a member's seat, or give a free seat to a chosen member
waiting over the limit.

- Releasing takes the seat of a member that holds one (active, not exempt). The member waits
  over the limit, *held*: promotions skip it until an admin assigns it a seat again, and the
  freed seat stays free for the admin to give (releasing is how an admin moves a seat from one
  person to another). A member that the IdP deactivates and reactivates asks for a seat anew.
- Assigning needs a free seat (under auto_expand, capacity grows up to max_seats) and a member
  waiting over the limit, held or not.

Both take the org lock and record a `member.seat_changed` event (reason `seat_released` or
`seat_assigned`); the ledger entry derives from it.
"""

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, event_log, members, occupancy, rules
from seats.clock import utcnow
from seats.errors import Conflict, SeatLimitReached
from seats.events import SeatChanged
from seats.ledger import Reason
from seats.model import Member, SeatStatus
from seats.storage import seat_store


async def release_seat(conn: AsyncConnection, org_id: str, member_id: str, *, actor: str) -> Member:
    await capacity.lock_for_seats(conn, org_id)
    member = await members.get_member(conn, org_id, member_id)
    if not rules.counted(member):
        raise Conflict(
            f"user {member_id} holds no seat to release (seat status {member.seat_status.value}"
            + (", seat-exempt" if member.exempt else "")
            + ")",
            seat_status=member.seat_status.value,
        )
    await seat_store.set_member_seat(
        conn, member_id, SeatStatus.OVER_LIMIT, held=True, now=utcnow()
    )
    _record(conn, member, SeatStatus.OVER_LIMIT, Reason.SEAT_RELEASED, actor)
    await occupancy.sync_episode(conn, org_id)
    return await members.get_member(conn, org_id, member_id)


async def assign_seat(conn: AsyncConnection, org_id: str, member_id: str, *, actor: str) -> Member:
    org = await capacity.lock_for_seats(conn, org_id)
    member = await members.get_member(conn, org_id, member_id)
    if member.seat_status is not SeatStatus.OVER_LIMIT:
        raise Conflict(
            f"only a user waiting over the limit can be given a seat; user {member_id} is "
            f"{member.seat_status.value}",
            seat_status=member.seat_status.value,
        )
    counts = await occupancy.usage(conn, org_id)
    status, grow_to = rules.decide(
        used=counts.used, capacity=counts.capacity, policy=org.seat_policy, max_seats=org.max_seats
    )
    if status is not SeatStatus.ACTIVE:
        raise SeatLimitReached(
            f"no seat is free: {counts.used} of {counts.capacity} seats are in use; release a "
            "seat or raise the seat limit first",
            capacity=counts.capacity,
            used=counts.used,
        )
    if grow_to is not None:
        await capacity.expand(conn, org_id, grow_to, previous=counts.capacity, actor=actor)
    await seat_store.set_member_seat(conn, member_id, SeatStatus.ACTIVE, held=False, now=utcnow())
    _record(conn, member, SeatStatus.ACTIVE, Reason.SEAT_ASSIGNED, actor)
    await occupancy.sync_episode(conn, org_id)
    return await members.get_member(conn, org_id, member_id)


def _record(conn: AsyncConnection, member: Member, to: SeatStatus, reason: str, actor: str) -> None:
    event_log.record(
        conn, SeatChanged(member.org_id, member.id, to, member.seat_status, reason, actor)
    )
