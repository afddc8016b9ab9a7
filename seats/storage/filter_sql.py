"""A seats.query condition or sort compiled to SQLAlchemy over the `members` or `groups` table.

A `Target` says how one table answers the query's attributes: promoted fields are columns (so
`userName eq "x"` is an index lookup on `(org_id, user_name_key)`), a `Document` path reads the
`resource` JSON (seats/storage/json_sql.py), and `Memberships` are `group_members` rows seen
from the table's side. `AnyElement` becomes EXISTS over a JSON array's elements, or an IN over
the membership rows. Compiling never fails for a query seats.query let be built.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from seats.query import (
    And,
    AnyElement,
    Attribute,
    Collection,
    Comparison,
    Condition,
    Constant,
    Document,
    DocumentArray,
    ElementItself,
    ElementKey,
    FixedText,
    Kind,
    MembershipField,
    Not,
    Or,
    Present,
    Sort,
    kind_of,
)
from seats.storage.json_sql import (
    ElementObject,
    ElementText,
    JsonNode,
    JsonRepr,
    JsonText,
    array_elements,
)
from seats.storage.operands import Operand
from seats.storage.tables import group_members


@dataclass(frozen=True)
class Promoted:
    """A field held in a column; `folded` for a column holding fold(value)."""

    expression: sa.ColumnElement[Any]
    folded: bool = False
    nullable: bool | None = None

    def operand(self, kind: Kind, *, case_exact: bool) -> Operand:
        nullable = self.nullable
        if nullable is None:
            nullable = bool(getattr(self.expression, "nullable", True))
        return Operand(
            self.expression, kind, case_exact=case_exact, folded=self.folded, nullable=nullable
        )


MembershipColumns = Callable[[sa.FromClause], Mapping[MembershipField, Promoted]]


@dataclass(frozen=True)
class Target:
    """How one table answers seats.query attributes.

    `membership_owner` is the `group_members` column holding the table's id (`member_id` for
    members, `group_id` for groups); `membership_columns` the membership fields of a row;
    `scope` a condition every row read must also meet.
    """

    table: sa.Table
    fields: Mapping[Any, Promoted]
    membership_owner: str
    membership_columns: MembershipColumns
    scope: sa.ColumnElement[bool] | None = None


def json_operand(
    document: sa.ColumnElement[Any], keys: tuple[str, ...], kind: Kind, *, case_exact: bool
) -> Operand:
    if kind is Kind.BOOLEAN:
        return Operand(JsonRepr(document, keys), kind, case_exact=case_exact, json_boolean=True)
    return Operand(JsonText(document, keys), kind, case_exact=case_exact)


class _Elements:
    """The elements of one row's multi-valued attribute, tested with EXISTS or IN."""

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    def operand(self, attribute: Attribute, *, case_exact: bool) -> Operand:
        raise NotImplementedError


class _JsonArray(_Elements):
    """A JSON array inside the resource document (`emails`, `roles`, `schemas`)."""

    def __init__(self, document: sa.ColumnElement[Any], keys: tuple[str, ...]) -> None:
        self.values = array_elements(JsonNode(document, keys)).table_valued("value", "type", "atom")

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        return sa.exists().select_from(self.values).where(condition)

    def operand(self, attribute: Attribute, *, case_exact: bool) -> Operand:
        if isinstance(attribute, ElementItself):
            return Operand(ElementText(self.values), case_exact=case_exact)
        assert isinstance(attribute, ElementKey), f"{attribute} is not part of an array element"
        return json_operand(
            ElementObject(self.values), (attribute.key,), attribute.kind, case_exact=case_exact
        )


class _Memberships(_Elements):
    """`group_members` rows seen from one side: a member's groups or a group's members
    (direct memberships only)."""

    def __init__(self, target: Target) -> None:
        self.rows = group_members.alias()
        self.owner = target.table.c.id
        self.owned_by = self.rows.c[target.membership_owner]
        self.columns = target.membership_columns(self.rows)

    def exists(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # `owner IN (uncorrelated subquery)` rather than a correlated EXISTS: SQLite runs the
        # subquery once through the group_members indexes instead of once per resource. The
        # ids are NOT NULL, so NOT IN stays two-valued.
        return self.owner.in_(sa.select(self.owned_by).where(condition))

    def operand(self, attribute: Attribute, *, case_exact: bool) -> Operand:
        assert isinstance(attribute, MembershipField), f"{attribute} is not part of a membership"
        return self.columns[attribute].operand(Kind.STRING, case_exact=case_exact)


class _Compiler:
    def __init__(self, target: Target, elements: _Elements | None = None) -> None:
        self.target = target
        self.elements = elements

    def condition(self, condition: Condition) -> sa.ColumnElement[bool]:
        match condition:
            case Comparison(attribute, op, value, case_exact):
                return self.operand(attribute, case_exact=case_exact).compare(op, value)
            case Present(attribute):
                return self.operand(attribute, case_exact=False).present()
            case Constant(holds):
                return sa.true() if holds else sa.false()
            case And(terms):
                return sa.and_(*(self.condition(term) for term in terms))
            case Or(terms):
                return sa.or_(*(self.condition(term) for term in terms))
            case Not(term):
                # Sound because every condition built here is true or false, never NULL.
                return sa.not_(self.condition(term))
            case AnyElement(collection, inner):
                elements = self._elements(collection)
                return elements.exists(_Compiler(self.target, elements).condition(inner))
        raise TypeError(f"{condition!r} is not a seats.query condition")

    def operand(self, attribute: Attribute, *, case_exact: bool) -> Operand:
        if isinstance(attribute, Document):
            document = self.target.table.c.resource
            return json_operand(document, attribute.keys, attribute.kind, case_exact=case_exact)
        if isinstance(attribute, FixedText):
            return Operand(sa.literal(attribute.value), case_exact=case_exact, nullable=False)
        if isinstance(attribute, ElementKey | ElementItself | MembershipField):
            assert self.elements is not None, f"{attribute} is read only inside AnyElement"
            return self.elements.operand(attribute, case_exact=case_exact)
        promoted = self.target.fields[attribute]
        return promoted.operand(kind_of(attribute), case_exact=case_exact)

    def _elements(self, collection: Collection) -> _Elements:
        if isinstance(collection, DocumentArray):
            return _JsonArray(self.target.table.c.resource, collection.keys)
        return _Memberships(self.target)


def condition_sql(target: Target, condition: Condition) -> sa.ColumnElement[bool]:
    """The WHERE condition selecting the rows of `target.table` that meet `condition`."""
    return _Compiler(target).condition(condition)


def sort_sql(target: Target, sort: Sort) -> sa.ColumnElement[Any]:
    """The expression to ORDER BY for `sort` (its direction aside): strings by their comparison
    key, case-insensitively unless case-exact, in code point order (RFC 7644 §3.4.2.3)."""
    return _Compiler(target).operand(sort.attribute, case_exact=sort.case_exact).sort_key()
