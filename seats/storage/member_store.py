"""SQL of members (SCIM Users): their rows and how a row becomes a `Member`."""

from collections.abc import Mapping
from typing import Any

from seats.model import Member, SeatStatus


def to_member(row: Mapping[str, Any]) -> Member:
    return Member(
        id=row["id"],
        org_id=row["org_id"],
        user_name=row["user_name"],
        active=row["active"],
        seat_status=SeatStatus(row["seat_status"]),
        exempt=row["exempt"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        email=row["email"],
        user_type=row["user_type"],
        over_limit_since=row["over_limit_since"],
        seat_held=row["seat_held"],
        resource=row["resource"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
