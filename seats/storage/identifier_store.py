"""SQL of identifiers set aside by migration 0005: the members and groups whose key carries
seats.identifiers.SET_ASIDE_MARK (a second row with a key, or a key too long for its column),
and the row that holds the key each one folds to."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from seats.identifiers import SET_ASIDE_MARK, fold
from seats.storage.tables import groups, members


@dataclass(frozen=True)
class SetAside:
    """A member (`kind` "user") or group whose identifier is set aside. `reason` is `collision`
    (`holder_id`, the older row, has the key) or `too-long`."""

    kind: str
    org_id: str
    id: str
    name: str
    reason: str
    holder_id: str | None
    created_at: datetime


_SOURCES = (
    ("user", members, members.c.user_name, members.c.user_name_key),
    ("group", groups, groups.c.display_name, groups.c.display_name_key),
)


async def set_aside(conn: AsyncConnection) -> list[SetAside]:
    """Every set-aside row, by kind, organization and age. A row stops being set aside when
    its name changes to one that folds differently, or it is deleted."""
    found: list[SetAside] = []
    for kind, table, name, key in _SOURCES:
        query = (
            sa.select(table.c.id, table.c.org_id, name, key, table.c.created_at)
            .where(key.contains(SET_ASIDE_MARK, autoescape=True))
            .order_by(table.c.org_id, table.c.created_at, table.c.id)
        )
        for row in (await conn.execute(query)).all():
            holder = await conn.scalar(
                sa.select(table.c.id).where(table.c.org_id == row.org_id, key == fold(row[2]))
            )
            found.append(
                SetAside(
                    kind=kind,
                    org_id=row.org_id,
                    id=row.id,
                    name=row[2],
                    reason=row[3].rpartition(SET_ASIDE_MARK)[2].partition(":")[0],
                    holder_id=holder,
                    created_at=row.created_at,
                )
            )
    return found
