"""Queries over an organization's members or groups, in domain terms: which ones, in what
order, which page. A description only; seats/storage/member_queries.py and group_queries.py
run it (through seats/storage/filter_sql.py) on SQLite and PostgreSQL alike.

    ListQuery(
        condition=And((Comparison(MemberField.USER_NAME, Op.CO, "jensen"),
                       AnyElement(DocumentArray(("emails",)),
                                  Comparison(ElementKey("type"), Op.EQ, "work")))),
        sort=Sort(MemberField.FAMILY_NAME),
        limit=100,
    )

An attribute is a promoted field (`MemberField` / `GroupField`), a path into the stored
`resource` document (`Document`), or a value every row shares (`FixedText`). Inside
`AnyElement`, the condition names the parts of one element of a multi-valued attribute
(`ElementKey`, `ElementItself`, `MembershipField`). Every condition is two-valued: an absent
attribute makes `eq` false and `ne` true, and `Not` always means "not".

A comparison the rules cannot answer (an ordering on a boolean, `co` on a timestamp, a string
no database stores) raises `InvalidQuery` when it is built, so a query that exists always runs.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from seats.errors import InvalidValue


class InvalidQuery(InvalidValue):
    """A comparison the value's kind does not allow; `detail` says what it allows."""


class Kind(StrEnum):
    """What a stored value is, which decides what comparing it means."""

    STRING = "string"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    VERSION = "version"  # a row's version number (rendered elsewhere as an ETag)


class Op(StrEnum):
    """RFC 7644 §3.4.2.2's comparison operators."""

    EQ = "eq"
    NE = "ne"
    CO = "co"
    SW = "sw"
    EW = "ew"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


ORDERINGS = frozenset({Op.GT, Op.GE, Op.LT, Op.LE})


class MemberField(StrEnum):
    """A member's promoted fields. USER_NAME, EMAIL (the primary email) and SEAT_STATUS
    compare case-insensitively through their folded keys unless a comparison is case-exact."""

    ID = "id"
    EXTERNAL_ID = "external_id"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    VERSION = "version"
    USER_NAME = "user_name"
    DISPLAY_NAME = "display_name"
    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    USER_TYPE = "user_type"
    ACTIVE = "active"
    SEAT_STATUS = "seat_status"
    OVER_LIMIT_SINCE = "over_limit_since"
    EMAIL = "email"


class GroupField(StrEnum):
    """A group's promoted fields; DISPLAY_NAME compares through its folded key."""

    ID = "id"
    EXTERNAL_ID = "external_id"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    VERSION = "version"
    DISPLAY_NAME = "display_name"


class MembershipField(StrEnum):
    """One membership of a member's groups (GROUP_*) or of a group's members (MEMBER_*)."""

    GROUP_ID = "group_id"
    GROUP_DISPLAY_NAME = "group_display_name"
    MEMBER_ID = "member_id"
    MEMBER_TYPE = "member_type"


@dataclass(frozen=True)
class Document:
    """A value at `keys` inside the stored resource document; a STRING or a BOOLEAN."""

    keys: tuple[str, ...]
    kind: Kind = Kind.STRING


@dataclass(frozen=True)
class FixedText:
    """A text every row has (a resource's type, a membership's type)."""

    value: str


@dataclass(frozen=True)
class ElementKey:
    """A key of the element (a JSON object) of a `DocumentArray`: `type` in `emails`."""

    key: str
    kind: Kind = Kind.STRING


@dataclass(frozen=True)
class ElementItself:
    """The element of a `DocumentArray` of plain strings (`schemas`)."""


Attribute = (
    MemberField | GroupField | MembershipField | Document | FixedText | ElementKey | ElementItself
)

_KINDS = {
    MemberField.ACTIVE: Kind.BOOLEAN,
    MemberField.CREATED_AT: Kind.DATETIME,
    MemberField.UPDATED_AT: Kind.DATETIME,
    MemberField.OVER_LIMIT_SINCE: Kind.DATETIME,
    MemberField.VERSION: Kind.VERSION,
    GroupField.CREATED_AT: Kind.DATETIME,
    GroupField.UPDATED_AT: Kind.DATETIME,
    GroupField.VERSION: Kind.VERSION,
}


def kind_of(attribute: Attribute) -> Kind:
    if isinstance(attribute, Document | ElementKey):
        return attribute.kind
    return _KINDS.get(attribute, Kind.STRING)  # type: ignore[call-overload]


# No stored string holds these, and PostgreSQL would reject them as parameters.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Comparison:
    """`attribute op value`; `value` None means unassigned (RFC 7643 §2.5), only with eq/ne.

    Strings compare case-insensitively unless `case_exact`, and order by code point.
    Datetimes carry an offset. A VERSION takes an int, with eq and ne only.
    """

    attribute: Attribute
    op: Op
    value: str | bool | datetime | int | None
    case_exact: bool = False

    def __post_init__(self) -> None:
        reason = _refusal(kind_of(self.attribute), self.op, self.value)
        if reason is not None:
            raise InvalidQuery(reason)


def _refusal(kind: Kind, op: Op, value: Any) -> str | None:
    if value is None:
        return None if op in (Op.EQ, Op.NE) else f"'{op.value}' cannot compare with null"
    if kind is Kind.STRING:
        if not isinstance(value, str):
            return f"{value!r} is not a string"
        if _UNSTORABLE.search(value):
            return "strings cannot hold NUL or unpaired surrogates"
    elif kind is Kind.BOOLEAN:
        if op not in (Op.EQ, Op.NE) or not isinstance(value, bool):
            return f"booleans only take eq and ne with true or false, not {op.value}"
    elif kind is Kind.DATETIME:
        if not isinstance(value, datetime) or op not in (Op.EQ, Op.NE, *ORDERINGS):
            return f"a dateTime takes eq, ne, gt, ge, lt and le, not {op.value}"
        if value.tzinfo is None:
            return "a dateTime needs an offset"
    elif op not in (Op.EQ, Op.NE) or isinstance(value, bool) or not isinstance(value, int):
        return "a version only takes eq and ne with a number"
    return None


@dataclass(frozen=True)
class Present:
    """The attribute has a value: not null, and not the empty string (RFC 7644 §3.4.2.2)."""

    attribute: Attribute


@dataclass(frozen=True)
class Constant:
    """A condition that holds for every row, or for none."""

    holds: bool


@dataclass(frozen=True)
class And:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class Or:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    term: "Condition"


@dataclass(frozen=True)
class DocumentArray:
    """A multi-valued attribute held as a JSON array in the resource document."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class Memberships:
    """A member's direct groups, or a group's members (whichever the query lists)."""


Collection = DocumentArray | Memberships


@dataclass(frozen=True)
class AnyElement:
    """Some element of `collection` meets `condition` (RFC 7644 §3.4.2.2: a filter on a
    multi-valued attribute matches when any value matches)."""

    collection: Collection
    condition: "Condition"


Condition = Comparison | Present | Constant | And | Or | Not | AnyElement


@dataclass(frozen=True)
class Sort:
    """Order by `attribute`; rows without a value come last ascending and first descending
    (RFC 7644 §3.4.2.3). Ties are always broken by creation time, then id."""

    attribute: Attribute
    descending: bool = False
    case_exact: bool = False


@dataclass(frozen=True)
class Position:
    """Keyset paging resumes after this row: its sort value, creation time and id."""

    sort_value: Any
    created_at: datetime
    id: str


@dataclass(frozen=True)
class ListQuery:
    """Which rows, in what order, from where (an offset or after a position), how many, and
    whether to count every row that meets the condition."""

    condition: Condition | None = None
    sort: Sort | None = None
    offset: int = 0
    after: Position | None = None
    limit: int | None = None
    with_total: bool = True


# Past every code point: a string that starts with `p` lies in [p, p + _LAST_CODE_POINT).
_LAST_CODE_POINT = "\U0010ffff"


def starts_with(attribute: Attribute, prefix: str) -> Condition:
    """`attribute sw prefix`, also written as the range of keys it selects, so a B-tree index
    on the attribute's folded key can answer it (a LIKE pattern uses no index on SQLite,
    whose LIKE is case-blind, nor on PostgreSQL outside the C locale). The `sw` keeps the
    answer exact where the range is wider (a key continuing with U+10FFFF itself)."""
    return And(
        (
            Comparison(attribute, Op.GE, prefix),
            Comparison(attribute, Op.LT, prefix + _LAST_CODE_POINT),
            Comparison(attribute, Op.SW, prefix),
        )
    )


# What a person is found by: the fields a member search looks at.
_NAME_FIELDS = (MemberField.GIVEN_NAME, MemberField.FAMILY_NAME, MemberField.DISPLAY_NAME)


def member_search(text: str) -> Condition:
    """Members a search for `text` finds, ignoring case: userName, primary email, given,
    family or display name starting with it.

    Prefixes rather than substrings, because a prefix is a range of an index: userName and
    email through their folded, indexed keys. The three name columns carry no folded key,
    so matching them reads each candidate row; a keyset page stops as soon as it is full.
    """
    text = text.strip()
    if not text:
        return Constant(True)
    terms = [starts_with(MemberField.USER_NAME, text), starts_with(MemberField.EMAIL, text)]
    terms += [Comparison(field, Op.SW, text) for field in _NAME_FIELDS]
    return Or(tuple(terms))
