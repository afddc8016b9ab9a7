"""SQL of the seat summary's own counts: the members that hold no counted seat (exempt ones
still in use, deactivated ones). The counted seats come from seats/occupancy.py's `usage`."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.model import SeatStatus
from seats.storage.tables import members


@dataclass(frozen=True)
class UncountedMembers:
    exempt: int  # exempt members that are not deactivated
    deactivated: int


def _count(*conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(members)
        .where(members.c.org_id == sa.bindparam("org_id"), *conditions)
        .scalar_subquery()
    )


# Built once, both counts in one round trip.
_UNCOUNTED = sa.select(
    _count(members.c.exempt.is_(True), members.c.seat_status != SeatStatus.DEACTIVATED.value),
    _count(members.c.seat_status == SeatStatus.DEACTIVATED.value),
)


async def uncounted_members(conn: AsyncConnection, org_id: str) -> UncountedMembers:
    row = (await conn.execute(_UNCOUNTED, {"org_id": org_id})).one()
    return UncountedMembers(exempt=row[0], deactivated=row[1])
