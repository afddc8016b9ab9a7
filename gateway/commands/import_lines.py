"""Reading an import file (docs/cli.md, "The export format") into a plan, before any write:
each line is parsed and its SCIM resource validated as a SCIM POST body would be
(scim/user_mapping.py, scim/group_mapping.py), so a bad line stops the import with its line
number and nothing written.

Two kinds of file are read. A seatgate export starts with a `header` line and ends with an
`end` line whose counts are checked (a truncated file is refused). Any other file is a list
of SCIM resources, one a line (a User or a Group as another SCIM server answers them, id and
all); its users get their seats from the seat rules alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.commands.org_export import FORMAT, VERSION
from gateway.commands.progress import Ticker
from gateway.commands.runtime import CommandFailed

if TYPE_CHECKING:
    from seats.model import GroupDraft, MemberDraft

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ORG_FIELDS = (
    "name",
    "seat_limit",
    "seat_policy",
    "max_seats",
    "exempt_user_types",
    "admin_emails",
    "webhook_url",
    "webhook_signing",
    "invite_expiry_days",
)


@dataclass(frozen=True)
class UserLine:
    number: int
    source_id: str | None
    draft: MemberDraft
    seat_status: str | None  # what the export said; None for a bare SCIM resource
    seat_held: bool


@dataclass(frozen=True)
class GroupLine:
    number: int
    source_id: str | None
    draft: GroupDraft
    member_ids: tuple[str, ...]
    displays: dict[str, str]


@dataclass(frozen=True)
class InviteLine:
    number: int
    email: str
    role: str | None


@dataclass
class Plan:
    org: dict[str, Any] = field(default_factory=dict)
    invites: list[InviteLine] = field(default_factory=list)
    users: list[UserLine] = field(default_factory=list)
    groups: list[GroupLine] = field(default_factory=list)
    exported: bool = False  # a seatgate export (header line), not bare SCIM resources

    @property
    def steps(self) -> int:
        return len(self.invites) + len(self.users) + len(self.groups)


def read_plan(lines: Iterable[str], ticker: Ticker | None = None) -> Plan:
    from pydantic import ValidationError
    from scim2_models import SCIMException

    from seats.errors import DomainError

    plan = Plan()
    ended = False
    number = 0
    for number, text in enumerate(lines, start=1):
        if ticker is not None:
            ticker.advance()
        if not text.strip():
            continue
        if ended:
            raise _bad(number, "nothing may follow the end line")
        line = _json_object(number, text)
        kind = line.get("type")
        try:
            if number == 1 and kind == "header":
                _check_header(line)
                plan.exported = True
            elif kind == "end":
                _check_end(number, line, plan)
                ended = True
            else:
                _read(plan, number, line, kind)
        except (SCIMException, DomainError) as error:
            raise _bad(number, str(error.detail)) from None
        except ValidationError as error:
            raise _bad(number, error.errors()[0]["msg"]) from None
    if plan.exported and not ended:
        raise CommandFailed(
            f"the file ends at line {number} without its end line: it was cut short; export again"
        )
    return plan


def _read(plan: Plan, number: int, line: dict[str, Any], kind: Any) -> None:
    if kind == "org":
        unknown = sorted(set(line) - {"type", *ORG_FIELDS})
        if unknown:
            raise _bad(number, f"unknown org field(s) {', '.join(unknown)}")
        plan.org = {key: line[key] for key in ORG_FIELDS if key in line}
    elif kind == "invite":
        from seats.invites import validate_invite

        validate_invite(line.get("email"), line.get("role"))
        plan.invites.append(InviteLine(number, line["email"], line.get("role")))
    elif kind == "user":
        plan.users.append(_user(number, line.get("resource"), line))
    elif kind == "group":
        plan.groups.append(_group(number, line.get("resource"), line))
    elif kind is None and _names_schema(line, USER_SCHEMA):
        plan.users.append(_user(number, line, {}))
    elif kind is None and _names_schema(line, GROUP_SCHEMA):
        plan.groups.append(_group(number, line, {}))
    else:
        raise _bad(
            number,
            "expected a line of type org, invite, user or group, or a SCIM User or Group "
            "resource (its schemas naming the core schema)",
        )


def _user(number: int, resource: Any, line: dict[str, Any]) -> UserLine:
    from scim2_models import Context

    from scim.user_mapping import draft_from_user, user_from_payload

    user, _ = user_from_payload(resource, Context.RESOURCE_CREATION_REQUEST)
    draft = draft_from_user(user)
    source_id = resource.get("id") if isinstance(resource, dict) else None
    return UserLine(
        number,
        line.get("id", source_id),
        draft,
        seat_status=line.get("seat_status"),
        seat_held=line.get("seat_held") is True,
    )


def _group(number: int, resource: Any, line: dict[str, Any]) -> GroupLine:
    from scim2_models import Context

    from scim.group_mapping import parse_group

    parsed = parse_group(resource, Context.RESOURCE_CREATION_REQUEST)
    source_id = resource.get("id") if isinstance(resource, dict) else None
    entries = parsed.entries
    return GroupLine(number, line.get("id", source_id), parsed.draft, entries.ids, entries.displays)


def _names_schema(line: dict[str, Any], schema: str) -> bool:
    schemas = line.get("schemas")
    return isinstance(schemas, list) and schema.lower() in (str(s).lower() for s in schemas)


def _check_header(line: dict[str, Any]) -> None:
    if line.get("format") != FORMAT:
        raise _bad(1, f"the header's format is {line.get('format')!r}, not {FORMAT!r}")
    if line.get("version") != VERSION:
        raise _bad(
            1, f"format version {line.get('version')!r}; this seatgate reads version {VERSION}"
        )


def _check_end(number: int, line: dict[str, Any], plan: Plan) -> None:
    found = {"invites": len(plan.invites), "users": len(plan.users), "groups": len(plan.groups)}
    said = {key: line.get(key) for key in found}
    if said != found:
        raise _bad(number, f"the end line counts {said} but the file holds {found}")


def _json_object(number: int, text: str) -> dict[str, Any]:
    try:
        line = json.loads(text)
    except ValueError as error:
        raise _bad(number, f"not JSON ({error})") from None
    if not isinstance(line, dict):
        raise _bad(number, "each line must be a JSON object")
    return line


def _bad(number: int, detail: str) -> CommandFailed:
    return CommandFailed(f"line {number}: {detail}; nothing was imported")
