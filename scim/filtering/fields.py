"""Which seats.query attribute answers each SCIM attribute of a User or a Group.

- Promoted fields (`MemberField`, `GroupField`) answer the attributes identity providers
  filter on; the seat extension is the members' `seat_status` / `over_limit_since`.
- Group membership (`Group.members`, `User.groups`) is `Memberships`.
- Everything else is a `Document` path into the stored resource, where scim/user_mapping.py
  keeps the canonical SCIM attributes (extensions under their schema URN, RFC 7643 §3.3).

Attributes are keyed by their full URN as scim2-models spells it (RFC 7644 §3.10), whatever
spelling the client used. What cannot be filtered on (`returned: never`, meta.location, numbers
in the document) is refused here with a scim2-models InvalidFilterException.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from inspect import isclass
from typing import Any

from scim2_models import BaseModel, Extension, InvalidFilterException, Resource, Returned
from scim2_models.path import AttributeBinding

from scim.schemas import GROUP_SCHEMA, SEAT_SCHEMA, USER_SCHEMA, GroupResource, UserResource
from seats.query import (
    Attribute,
    Document,
    DocumentArray,
    ElementItself,
    ElementKey,
    FixedText,
    GroupField,
    Kind,
    MemberField,
    MembershipField,
    Memberships,
)

# Types seatgate's schemas never keep in the JSON document: refused rather than compared as
# text, which would order 10 before 9 (numbers) or miss an equal instant at another offset.
_UNCOMPARED_JSON_TYPES = (int, float)


def is_complex(binding: AttributeBinding) -> bool:
    """Whether the attribute `binding` names (its head, not a sub-attribute) is complex."""
    return isclass(binding.field_type) and issubclass(binding.field_type, BaseModel)


def never_returned(binding: AttributeBinding) -> bool:
    """Whether RFC 7643 §7 `returned: never` applies (password): the attribute, or the complex
    attribute holding it. A filter or sort on it would reveal it one guess at a time."""
    own = binding.get_annotation(Returned)
    head = binding.model.get_field_annotation(binding.field_name, Returned)
    return Returned.never in (own, head)


def case_exact(binding: AttributeBinding) -> bool:
    # Binary values are base64 text: folding them would change what they mean.
    return bool(binding.case_exact) or binding.target_type is bytes


def _json_kind(binding: AttributeBinding) -> Kind:
    target = binding.target_type
    if isclass(target) and issubclass(target, bool):
        return Kind.BOOLEAN
    if isclass(target) and issubclass(target, (*_UNCOMPARED_JSON_TYPES, datetime)):
        raise InvalidFilterException(detail=f"filtering on {binding.urn} is not supported")
    return Kind.STRING


def json_keys(binding: AttributeBinding) -> tuple[str, ...]:
    """The keys leading to an attribute in the resource document, from its canonical URN."""
    schema = str(binding.model.__schema__)
    attribute, _, sub_attribute = binding.urn[len(schema) + 1 :].partition(".")
    keys = (attribute, sub_attribute) if sub_attribute else (attribute,)
    return (schema, *keys) if issubclass(binding.model, Extension) else keys


@dataclass(frozen=True)
class Elements:
    """A multi-valued attribute as a seats.query collection, and how to name a part of one of
    its values (a sub-attribute, `emails.type`, or the value itself, `schemas`)."""

    collection: DocumentArray | Memberships
    # For memberships: the sub-attributes a filter may read, by name.
    parts: Mapping[str, Attribute] | None = None

    @property
    def is_membership(self) -> bool:
        return isinstance(self.collection, Memberships)

    def part(self, binding: AttributeBinding) -> Attribute:
        if self.parts is not None:
            name = binding.urn.rpartition(".")[2] if binding.sub_field_name else "value"
            found = self.parts.get(name)
            if found is None:
                raise InvalidFilterException(detail=f"filtering on {binding.urn} is not supported")
            return found
        if binding.sub_field_name is None:
            return ElementItself()
        return ElementKey(json_keys(binding)[-1], _json_kind(binding))


@dataclass(frozen=True)
class ResourceFields:
    """Where the attributes of one SCIM resource type are answered."""

    model: type[Resource[Any]]
    promoted: Mapping[str, Attribute]
    memberships: Mapping[str, Elements] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)
    # Multi-valued attributes whose primary-or-first value (RFC 7644 §3.4.2.3) is promoted.
    primary_values: Mapping[str, Attribute] = field(default_factory=dict)

    def attribute(self, binding: AttributeBinding) -> Attribute:
        """A single-valued attribute of the resource."""
        self.check_filterable(binding)
        promoted = self.promoted.get(binding.urn)
        if promoted is not None:
            return promoted
        return Document(json_keys(binding), _json_kind(binding))

    def elements(self, binding: AttributeBinding) -> Elements:
        """A multi-valued attribute of the resource, `binding` naming it or a sub-attribute."""
        self.check_filterable(binding)
        # Attribute names hold no dots (RFC 7643 §2.1); the schema URN before them may.
        head = binding.urn.rpartition(".")[0] if binding.sub_field_name else binding.urn
        membership = self.memberships.get(head)
        if membership is not None:
            return membership
        keys = json_keys(binding)
        return Elements(DocumentArray(keys[:-1] if binding.sub_field_name else keys))

    def check_filterable(self, binding: AttributeBinding) -> None:
        reason = self.refused.get(binding.urn)
        if reason is not None:
            raise InvalidFilterException(
                detail=f"filtering on {binding.urn} is not supported: {reason}"
            )


def _meta(schema: str, fields: type[MemberField] | type[GroupField]) -> dict[str, Attribute]:
    return {
        f"{schema}:id": fields.ID,
        f"{schema}:externalId": fields.EXTERNAL_ID,
        f"{schema}:meta.created": fields.CREATED_AT,
        f"{schema}:meta.lastModified": fields.UPDATED_AT,
        f"{schema}:meta.version": fields.VERSION,
        f"{schema}:meta.resourceType": FixedText("User" if fields is MemberField else "Group"),
    }


_LOCATION = "it is derived from the base URL; filter on id"

USERS = ResourceFields(
    model=UserResource,
    promoted={
        **_meta(USER_SCHEMA, MemberField),
        f"{USER_SCHEMA}:userName": MemberField.USER_NAME,
        f"{USER_SCHEMA}:displayName": MemberField.DISPLAY_NAME,
        f"{USER_SCHEMA}:name.givenName": MemberField.GIVEN_NAME,
        f"{USER_SCHEMA}:name.familyName": MemberField.FAMILY_NAME,
        f"{USER_SCHEMA}:userType": MemberField.USER_TYPE,
        f"{USER_SCHEMA}:active": MemberField.ACTIVE,
        f"{SEAT_SCHEMA}:seatStatus": MemberField.SEAT_STATUS,
        f"{SEAT_SCHEMA}:overLimitSince": MemberField.OVER_LIMIT_SINCE,
    },
    memberships={
        # scim/user_mapping.py lists direct memberships only, each with type "direct".
        f"{USER_SCHEMA}:groups": Elements(
            Memberships(),
            {
                "value": MembershipField.GROUP_ID,
                "display": MembershipField.GROUP_DISPLAY_NAME,
                "type": FixedText("direct"),
            },
        )
    },
    refused={f"{USER_SCHEMA}:meta.location": _LOCATION},
    primary_values={
        f"{USER_SCHEMA}:emails": MemberField.EMAIL,
        f"{USER_SCHEMA}:emails.value": MemberField.EMAIL,
    },
)

GROUPS = ResourceFields(
    model=GroupResource,
    promoted={
        **_meta(GROUP_SCHEMA, GroupField),
        f"{GROUP_SCHEMA}:displayName": GroupField.DISPLAY_NAME,
    },
    memberships={
        # A member's `display` and `$ref` are rendered from other tables; IdPs filter on value.
        f"{GROUP_SCHEMA}:members": Elements(
            Memberships(),
            {"value": MembershipField.MEMBER_ID, "type": MembershipField.MEMBER_TYPE},
        )
    },
    refused={f"{GROUP_SCHEMA}:meta.location": _LOCATION},
)
