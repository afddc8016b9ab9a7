"""SCIM Group <-> domain group: bodies in (POST/PUT), resources out (RFC 7643 §4.2).

Everything but `members` goes through the scim2-models `Group`: validation, meta, and the
`attributes`/`excludedAttributes` selection of RFC 7644 §3.9. The `members` entries of a
response are built as plain dicts, because a group may hold 100,000 of them and one pydantic
model per entry costs seconds; which sub-attributes they carry is still decided by
scim2-models, by dumping a one-member sample group with the same selection (`member_keys`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    GroupMember,
    InvalidSyntaxException,
    InvalidValueException,
    Meta,
    ResponseParameters,
)

from scim.normalizations import Normalized, Quirk
from scim.responses import etag
from scim.schemas import GROUP_SCHEMA, POLICY, GroupResource
from scim.user_mapping import unstorable
from seats.model import MEMBER_DISPLAY_LENGTH, Group, GroupDraft, MemberRef

# Attributes that live in their own columns (or are the server's); the rest of a Group
# resource, extensions included, is kept opaque in `resource`.
_COLUMNS = {"schemas", "id", "meta", "displayName", "externalId", "members"}

Selection = ResponseParameters[Any]
# Microsoft Entra creates groups with its own schema URN next to the core one ("Tutorial:
# Develop and plan provisioning for a SCIM endpoint", Create Group); it carries no attribute.
ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
_ACCEPTED_SCHEMAS = frozenset({GROUP_SCHEMA.lower(), ENTRA_GROUP_SCHEMA.lower()})
# The width of groups.display_name and groups.external_id: longer values are refused.
_MAX_LENGTH = 512


def response_parameters(query: Mapping[str, str]) -> Selection:
    """RFC 7644 §3.9 `attributes` / `excludedAttributes`, resolved against the Group schema."""
    return ResponseParameters[GroupResource].model_validate(
        {
            "attributes": query.get("attributes") or None,
            "excluded_attributes": query.get("excludedAttributes") or None,
        }
    )


@dataclass(frozen=True)
class MemberEntries:
    """The `members` entries a client sent: their ids in order, and the displays it gave."""

    ids: tuple[str, ...]
    displays: dict[str, str]


@dataclass(frozen=True)
class ParsedGroup:
    draft: GroupDraft
    entries: MemberEntries
    normalized: Normalized


def parse_group(body: Any, context: Context) -> ParsedGroup:
    """A POST (RFC 7644 §3.3) or PUT (§3.5.1) body: the group's attributes and members, and
    the IdP quirks it took."""
    normalized = Normalized({Quirk.ENTRA_GROUP_SCHEMA: _check_schemas(body)})
    resource = GroupResource.model_validate(body, scim_ctx=context, scim_policy=POLICY)
    entries = member_entries(resource.members or [])
    return ParsedGroup(draft_from_resource(resource), entries, +normalized)


def draft_from_resource(resource: Any) -> GroupDraft:
    """The domain draft for a validated Group (its members aside)."""
    display_name = (resource.display_name or "").strip()
    if not display_name:
        raise InvalidValueException(detail="displayName is required and cannot be blank")
    for attribute, value in (("displayName", display_name), ("externalId", resource.external_id)):
        if value is not None and len(value) > _MAX_LENGTH:
            raise InvalidValueException(
                detail=f"{attribute} is longer than {_MAX_LENGTH} characters"
            )
    dumped = resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
    extra = {key: value for key, value in dumped.items() if key not in _COLUMNS}
    if unstorable(extra) or unstorable(display_name) or unstorable(resource.external_id):
        raise InvalidValueException(detail="strings cannot hold NUL or unpaired surrogates")
    return GroupDraft(display_name, resource.external_id, extra)


def _check_schemas(body: Any) -> bool:
    """RFC 7643 §3: `schemas` names the Group schema, and nothing this server does not serve.
    True when it also names Entra's ADSCIM Group schema."""
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="the body must be a JSON object")
    schemas = body.get("schemas")
    if schemas is None:
        return False
    if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
        raise InvalidSyntaxException(detail="schemas must be a list of schema URIs")
    unknown = [s for s in schemas if s.lower() not in _ACCEPTED_SCHEMAS]
    if unknown or GROUP_SCHEMA.lower() not in (s.lower() for s in schemas):
        raise InvalidValueException(detail=f"schemas must be [{GROUP_SCHEMA!r}] for a Group")
    return ENTRA_GROUP_SCHEMA.lower() in (s.lower() for s in schemas)


def member_entries(entries: Iterable[GroupMember]) -> MemberEntries:
    ids = []
    displays = {}
    for entry in entries:
        if not entry.value:
            raise InvalidValueException(detail="each entry of members needs a value (an id)")
        ids.append(entry.value)
        if entry.display:
            if len(entry.display) > MEMBER_DISPLAY_LENGTH or unstorable(entry.display):
                raise InvalidValueException(
                    detail=f"a member's display is text of at most {MEMBER_DISPLAY_LENGTH} "
                    "characters, without NUL"
                )
            displays[entry.value] = entry.display
    return MemberEntries(tuple(ids), displays)


def parse_member_entries(value: Any) -> MemberEntries:
    """The entries of a PATCH value for `members`: a list of entries (or one entry)."""
    entries = value if isinstance(value, list) else [value]
    try:
        return member_entries(
            GroupMember.model_validate(
                entry, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
            )
            for entry in entries
        )
    except ValidationError as exc:
        raise InvalidValueException(
            detail=f"members entries are objects with a string value: {exc.errors()[0]['msg']}"
        ) from None


def to_resource(group: Group, base_url: str) -> Any:
    """The scim2-models Group for a stored group, without its members (DEFAULT context: the
    stored attributes were validated when written)."""
    return GroupResource.model_validate(
        {
            **group.resource,
            "schemas": [GROUP_SCHEMA],
            "id": group.id,
            "displayName": group.display_name,
            "externalId": group.external_id,
            "meta": Meta(
                resource_type="Group",
                created=group.created_at,
                last_modified=group.updated_at,
                location=location(group.id, base_url),
                version=etag(group.version),
            ),
        },
        scim_policy=POLICY,
    )


def location(group_id: str, base_url: str) -> str:
    return f"{base_url}/Groups/{group_id}"


def member_keys(selection: Selection | None) -> tuple[str, ...]:
    """The sub-attributes of `members` entries a response carries (empty: no members at all).

    Callers skip reading the membership when this is empty, so `excludedAttributes=members`
    (how Entra and Okta read groups) costs nothing however big the group is. The answer
    depends on the selection only, so it is remembered per selection.
    """
    key = _selection_key(selection)
    keys = _MEMBER_KEYS.get(key)
    if keys is None:
        if len(_MEMBER_KEYS) >= 256:
            _MEMBER_KEYS.clear()
        keys = _MEMBER_KEYS[key] = _dump_member_keys(selection)
    return keys


_MEMBER_KEYS: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}


def _selection_key(selection: Selection | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if selection is None:
        return (), ()
    return (
        tuple(str(path) for path in selection.attributes or ()),
        tuple(str(path) for path in selection.excluded_attributes or ()),
    )


def _dump_member_keys(selection: Selection | None) -> tuple[str, ...]:
    sample = GroupResource(
        display_name="sample",
        members=[GroupMember(value="id", display="name", type="User", ref="https://x/Users/id")],
    )
    dumped = sample.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=selection
    )
    entries = dumped.get("members") or [{}]
    return tuple(entries[0])


def group_body(
    group: Group,
    base_url: str,
    *,
    members: Sequence[MemberRef] | None,
    selection: Selection | None,
    keys: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The response body for a group; `members` None means not read (not requested)."""
    body: dict[str, Any] = to_resource(group, base_url).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=selection
    )
    keys = member_keys(selection) if keys is None else keys
    if members and keys:
        body["members"] = [_entry(ref, base_url, keys) for ref in members]
    return body


def _entry(ref: MemberRef, base_url: str, keys: tuple[str, ...]) -> dict[str, Any]:
    # The same keys, in the same order, as scim2-models dumps a GroupMember.
    full = {
        "value": ref.value,
        "$ref": f"{base_url}/{'Groups' if ref.type == 'Group' else 'Users'}/{ref.value}",
        "type": ref.type,
        "display": ref.display,
    }
    return {key: full[key] for key in keys if full[key] is not None}
