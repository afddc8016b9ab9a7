"""Changing an organization's settings (the admin's PATCH): write them, then let the seat
engine catch up with what they mean for seats, in the caller's transaction.

It lives apart from seats/orgs.py because it drives seating and capacity, which themselves
read and lock orgs through seats/orgs.py.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import capacity, seating
from seats.model import Org
from seats.orgs import update_org

# Settings after which members waiting over the limit may get a seat under auto_expand.
_GROWTH_SETTINGS = frozenset({"seat_policy", "max_seats"})


async def change_settings(
    conn: AsyncConnection, org_id: str, changes: Mapping[str, Any], *, actor: str
) -> Org:
    """Apply already-validated settings by name; return the org as it then stands.

    - A changed exempt list re-sorts every member (seats freed, seats asked for).
    - `seat_limit` goes through the capacity rules: a raise promotes waiting members, a cut
      below usage is refused (`CannotReduceBelowUsage`) and nothing of the change is kept.
    - A changed `seat_policy` or `max_seats` lets auto_expand seat those waiting.
    """
    settings = dict(changes)
    capacity_changed = "seat_limit" in settings
    seat_limit = settings.pop("seat_limit", None)
    org = await update_org(conn, org_id, settings)
    if "exempt_user_types" in settings:
        await seating.reclassify_exemptions(conn, org_id, actor=actor)
    if capacity_changed:
        org = await capacity.change_capacity(conn, org_id, seat_limit, actor=actor)
    if settings.keys() & _GROWTH_SETTINGS:
        org = await capacity.expand_for_waiting(conn, org_id, actor=actor)
    return org
