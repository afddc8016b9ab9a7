"""The shapes of the directory API's answers, as TypedDicts (see gateway/admin/responses.py):
the renderers return them and /openapi.json publishes them."""

from typing import Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from gateway.admin.responses import SeatStatusName, Time

_CLOSED = ConfigDict(extra="forbid")


@with_config(_CLOSED)
class DirectoryEmail(TypedDict):
    value: str
    type: str | None
    primary: bool


@with_config(_CLOSED)
class DirectoryName(TypedDict):
    given_name: str | None
    family_name: str | None
    formatted: str | None


@with_config(_CLOSED)
class GroupRef(TypedDict):
    id: str
    display_name: str


@with_config(_CLOSED)
class DirectoryUserAnswer(TypedDict):
    id: str
    user_name: str
    external_id: str | None
    active: bool
    emails: list[DirectoryEmail]
    name: DirectoryName
    display_name: str | None
    seat_status: SeatStatusName
    seat_reason: str | None
    groups: list[GroupRef]
    created_at: Time
    updated_at: Time


@with_config(_CLOSED)
class DirectoryGroupAnswer(TypedDict):
    id: str
    display_name: str
    external_id: str | None
    created_at: Time
    updated_at: Time


@with_config(_CLOSED)
class GroupMemberAnswer(TypedDict, total=False):
    """A user (`user_name`, `seat_status`) or a group (`display_name`), by `type`."""

    type: Literal["user", "group"]
    id: str
    user_name: str
    seat_status: SeatStatusName
    display_name: str
