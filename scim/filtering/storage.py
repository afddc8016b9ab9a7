"""Where each SCIM attribute of a User or a Group is stored, as filter operands.

- Promoted columns (seats/storage/tables.py) answer the attributes identity providers filter
  on, so `userName eq "x"` is an index lookup on `(org_id, user_name_key)`.
- The seat extension is the members' `seat_status` / `over_limit_since` columns.
- Group membership (`Group.members`, `User.groups`) is the `group_members` table.
- Everything else is read from the `resource` JSON document, where scim/user_mapping.py keeps
  the canonical SCIM attributes (extensions under their schema URN, RFC 7643 §3.3).

Attributes are keyed by their full URN as scim2-models spells it (RFC 7644 §3.10), whatever
spelling the client used.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from inspect import isclass
from typing import Any

import sqlalchemy as sa
from scim2_models import BaseModel, Extension, InvalidFilterException, Resource, Returned
from scim2_models.path import AttributeBinding

from scim.filtering.operands import Kind, Operand
from scim.filtering.sql import (
    ElementObject,
    ElementText,
    JsonNode,
    JsonRepr,
    JsonText,
    array_elements,
)
from scim.schemas import GROUP_SCHEMA, SEAT_SCHEMA, USER_SCHEMA, GroupResource, UserResource
from seats.storage.tables import group_members, groups, members

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


def _kind(binding: AttributeBinding, *, column: bool) -> Kind:
    target = binding.target_type
    if isclass(target) and issubclass(target, bool):
        return Kind.BOOLEAN if column else Kind.JSON_BOOLEAN
    if isclass(target) and issubclass(target, datetime) and column:
        return Kind.DATETIME
    if isclass(target) and issubclass(target, (*_UNCOMPARED_JSON_TYPES, datetime)):
        raise InvalidFilterException(detail=f"filtering on {binding.urn} is not supported")
    return Kind.STRING


def json_keys(binding: AttributeBinding) -> tuple[str, ...]:
    """The keys leading to an attribute in the resource document, from its canonical URN."""
    schema = str(binding.model.__schema__)
    attribute, _, sub_attribute = binding.urn[len(schema) + 1 :].partition(".")
    keys = (attribute, sub_attribute) if sub_attribute else (attribute,)
    return (schema, *keys) if issubclass(binding.model, Extension) else keys


def json_operand(
    document: sa.ColumnElement[Any], keys: tuple[str, ...], binding: AttributeBinding
) -> Operand:
    kind = _kind(binding, column=False)
    construct = JsonRepr if kind is Kind.JSON_BOOLEAN else JsonText
    # Binary values are base64 text: folding them would change what they mean.
    case_exact = binding.case_exact or binding.target_type is bytes
    return Operand(construct(document, keys), binding.urn, kind, case_exact=case_exact)


def column(
    expression: sa.ColumnElement[Any],
    *,
    folded: bool = False,
    kind: Kind | None = None,
    nullable: bool | None = None,
) -> Callable[[AttributeBinding], Operand]:
    """An attribute promoted to a column; `folded` for a column holding fold(value)."""
    if nullable is None:
        nullable = bool(getattr(expression, "nullable", True))

    def operand(binding: AttributeBinding) -> Operand:
        return Operand(
            expression,
            binding.urn,
            kind or _kind(binding, column=True),
            case_exact=binding.case_exact,
            folded=folded,
            nullable=nullable,
        )

    return operand


class Elements:
    """The values of one resource's multi-valued attribute, tested with EXISTS (RFC 7644
    §3.4.2.2: a filter on a multi-valued attribute matches when any value matches)."""

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    def operand(self, binding: AttributeBinding) -> Operand:
        """A sub-attribute of one value (`emails.type`), or the value itself (`schemas`)."""
        raise NotImplementedError

    def value_present(self, sub_attributes: list[AttributeBinding]) -> sa.ColumnElement[bool]:
        """Whether one complex value is present: any of its sub-attributes is."""
        return sa.or_(*(self.operand(sub).present() for sub in sub_attributes))


class JsonArray(Elements):
    """A multi-valued attribute inside the resource document (`emails`, `roles`, `schemas`)."""

    def __init__(self, document: sa.ColumnElement[Any], keys: tuple[str, ...]) -> None:
        self.values = array_elements(JsonNode(document, keys)).table_valued("value", "type", "atom")

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        return sa.exists().select_from(self.values).where(condition)

    def operand(self, binding: AttributeBinding) -> Operand:
        if binding.sub_field_name is None:
            return Operand(ElementText(self.values), binding.urn, case_exact=binding.case_exact)
        return json_operand(ElementObject(self.values), json_keys(binding)[-1:], binding)


class Membership(Elements):
    """`group_members` rows seen from one side: a Group's `members` or a User's `groups`
    (direct memberships only, as scim/user_mapping.py renders them)."""

    def __init__(
        self,
        owner: sa.ColumnElement[str],
        sub_attributes: Callable[[sa.FromClause], Mapping[str, sa.ColumnElement[Any]]],
        *,
        owned_by: str,
    ) -> None:
        self.rows = group_members.alias()
        self.owner = owner
        self.owned_by = self.rows.c[owned_by]
        self.sub_attributes = sub_attributes(self.rows)

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # `owner IN (uncorrelated subquery)` rather than a correlated EXISTS: SQLite runs the
        # subquery once through the group_members indexes instead of once per resource. The
        # ids are NOT NULL, so NOT IN stays two-valued.
        return self.owner.in_(sa.select(self.owned_by).where(condition))

    def operand(self, binding: AttributeBinding) -> Operand:
        name = binding.urn.rpartition(".")[2] if binding.sub_field_name else "value"
        expression = self.sub_attributes.get(name)
        if expression is None:
            raise InvalidFilterException(detail=f"filtering on {binding.urn} is not supported")
        # Every membership row names an existing member or group (foreign keys, cascades).
        return column(expression, folded=name == "display", nullable=False)(binding)

    def value_present(self, sub_attributes: list[AttributeBinding]) -> sa.ColumnElement[bool]:
        # A membership row always names its member.
        return sa.true()


def _group_members(rows: sa.FromClause) -> Mapping[str, sa.ColumnElement[Any]]:
    # `display` and `$ref` of a member are rendered from other tables; IdPs filter on value.
    return {"value": rows.c.member_id, "type": rows.c.member_type}


def _user_groups(rows: sa.FromClause) -> Mapping[str, sa.ColumnElement[Any]]:
    group = groups.alias()
    display = (
        sa.select(group.c.display_name_key).where(group.c.id == rows.c.group_id).scalar_subquery()
    )
    # scim/user_mapping.py lists direct memberships only, each with type "direct".
    return {"value": rows.c.group_id, "display": display, "type": sa.literal("direct")}


@dataclass(frozen=True)
class ResourceStorage:
    """How the attributes of one SCIM resource type are stored."""

    model: type[Resource[Any]]
    table: sa.Table
    columns: Mapping[str, Callable[[AttributeBinding], Operand]]
    memberships: Mapping[str, Callable[[], Elements]] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)
    # Multi-valued attributes whose primary-or-first value (RFC 7644 §3.4.2.3) is a column.
    primary_values: Mapping[str, sa.ColumnElement[Any]] = field(default_factory=dict)

    def operand(self, binding: AttributeBinding) -> Operand:
        """A single-valued attribute of the resource."""
        self.check_filterable(binding)
        promoted = self.columns.get(binding.urn)
        if promoted is not None:
            return promoted(binding)
        return json_operand(self.table.c.resource, json_keys(binding), binding)

    def elements(self, binding: AttributeBinding) -> Elements:
        """A multi-valued attribute of the resource, `binding` naming it or a sub-attribute."""
        self.check_filterable(binding)
        # Attribute names hold no dots (RFC 7643 §2.1); the schema URN before them may.
        head = binding.urn.rpartition(".")[0] if binding.sub_field_name else binding.urn
        membership = self.memberships.get(head)
        if membership is not None:
            return membership()
        return JsonArray(
            self.table.c.resource,
            json_keys(binding)[:-1] if binding.sub_field_name else json_keys(binding),
        )

    def check_filterable(self, binding: AttributeBinding) -> None:
        reason = self.refused.get(binding.urn)
        if reason is not None:
            raise InvalidFilterException(
                detail=f"filtering on {binding.urn} is not supported: {reason}"
            )


def _meta(
    table: sa.Table, schema: str, resource_type: str
) -> dict[str, Callable[[AttributeBinding], Operand]]:
    return {
        f"{schema}:id": column(table.c.id),
        f"{schema}:externalId": column(table.c.external_id),
        f"{schema}:meta.created": column(table.c.created_at),
        f"{schema}:meta.lastModified": column(table.c.updated_at),
        f"{schema}:meta.version": column(table.c.version, kind=Kind.VERSION),
        f"{schema}:meta.resourceType": column(sa.literal(resource_type)),
    }


_LOCATION = "it is derived from the base URL; filter on id"

USERS = ResourceStorage(
    model=UserResource,
    table=members,
    columns={
        **_meta(members, USER_SCHEMA, "User"),
        f"{USER_SCHEMA}:userName": column(members.c.user_name_key, folded=True),
        f"{USER_SCHEMA}:displayName": column(members.c.display_name),
        f"{USER_SCHEMA}:name.givenName": column(members.c.given_name),
        f"{USER_SCHEMA}:name.familyName": column(members.c.family_name),
        f"{USER_SCHEMA}:userType": column(members.c.user_type),
        f"{USER_SCHEMA}:active": column(members.c.active),
        # The seat statuses are lowercase ASCII words: the column is its own folded key.
        f"{SEAT_SCHEMA}:seatStatus": column(members.c.seat_status, folded=True),
        f"{SEAT_SCHEMA}:overLimitSince": column(members.c.over_limit_since),
    },
    memberships={
        f"{USER_SCHEMA}:groups": lambda: Membership(
            members.c.id, _user_groups, owned_by="member_id"
        )
    },
    refused={f"{USER_SCHEMA}:meta.location": _LOCATION},
    primary_values={
        f"{USER_SCHEMA}:emails": members.c.email_key,
        f"{USER_SCHEMA}:emails.value": members.c.email_key,
    },
)

GROUPS = ResourceStorage(
    model=GroupResource,
    table=groups,
    columns={
        **_meta(groups, GROUP_SCHEMA, "Group"),
        f"{GROUP_SCHEMA}:displayName": column(groups.c.display_name_key, folded=True),
    },
    memberships={
        f"{GROUP_SCHEMA}:members": lambda: Membership(
            groups.c.id, _group_members, owned_by="group_id"
        )
    },
    refused={f"{GROUP_SCHEMA}:meta.location": _LOCATION},
)
