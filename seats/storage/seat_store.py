"""SQL of seat moves that an admin makes on one member (seats/assignment.py)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import SeatStatus
from seats.storage.tables import members


async def set_member_seat(
    conn: AsyncConnection, member_id: str, status: SeatStatus, *, held: bool, now: datetime
) -> None:
    """Give or take one member's seat. A member given a seat queues as the newest holder
    (demotions take the newest first)."""
    values = {
        "seat_status": status.value,
        "seat_held": held,
        "over_limit_since": now if status is SeatStatus.OVER_LIMIT else None,
        "version": members.c.version + 1,
        "updated_at": now,
    }
    if status is SeatStatus.ACTIVE:
        values["seat_since"] = now
    await conn.execute(members.update().where(members.c.id == member_id).values(values))
