"""One SCIM attribute as SQL, and what the filter operators of RFC 7644 §3.4.2.2 mean on it.

An `Operand` is a single value of one resource: a promoted column, a string or boolean inside
the `resource` JSON, or a sub-attribute of one element of a multi-valued attribute (the EXISTS
around it is the visitor's business). Every predicate built here is two-valued, never SQL NULL:
an absent attribute makes `eq` false and `ne` true, and `not (...)` keeps meaning "not" instead
of SQL's three-valued "unknown".
"""

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, auto
from typing import Any

import sqlalchemy as sa
from scim2_models import InvalidFilterException
from scim2_models.path import CompareOperator

from scim.filtering.sql import CodePointOrder
from seats.members import fold

Op = CompareOperator

_ORDERING = {
    Op.gt: sa.sql.operators.gt,
    Op.ge: sa.sql.operators.ge,
    Op.lt: sa.sql.operators.lt,
    Op.le: sa.sql.operators.le,
}
# meta.version is the weak ETag the SCIM layer renders from the `version` column.
_ETAG = re.compile(r'(?:W/)?"(\d{1,18})"')
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Kind(Enum):
    STRING = auto()
    BOOLEAN = auto()  # a boolean column
    JSON_BOOLEAN = auto()  # the JSON spelling of a boolean: 'true' / 'false'
    DATETIME = auto()  # a UTCDateTime column
    VERSION = auto()  # meta.version, held as an integer


@dataclass(frozen=True)
class Operand:
    """A single-valued SCIM attribute as a SQL expression.

    `folded` says the stored value already is its case-insensitive comparison key (NFC,
    lowercased: `members.user_name_key`), so the literal is folded and the column compared as
    it is, which keeps unique indexes usable. `nullable` False lets predicates skip the
    `IS NOT NULL` guard on NOT NULL columns.
    """

    expression: sa.ColumnElement[Any]
    name: str
    kind: Kind = Kind.STRING
    case_exact: bool = False
    folded: bool = False
    nullable: bool = True

    def compare(self, op: CompareOperator, value: Any) -> sa.ColumnElement[bool]:
        """`attribute op value`, RFC 7644 §3.4.2.2, for a value already coerced to the type."""
        if value is None:
            # RFC 7643 §2.5: null and unassigned are the same state.
            if op is Op.eq:
                return sa.not_(self.present())
            if op is Op.ne:
                return self.present()
            raise self._refuse(f"'{op.value}' cannot compare with null")
        if op is Op.ne:
            return sa.not_(self.compare(Op.eq, value))
        if self.kind is Kind.STRING:
            condition = self._compare_string(op, value)
        elif self.kind in (Kind.BOOLEAN, Kind.JSON_BOOLEAN):
            condition = self._compare_boolean(op, value)
        elif self.kind is Kind.DATETIME:
            condition = self._compare_datetime(op, value)
        else:
            condition = self._compare_version(op, value)
        return self._guarded(condition)

    def present(self) -> sa.ColumnElement[bool]:
        """`attribute pr`: RFC 7644 §3.4.2.2, a non-empty, non-null value."""
        if self.kind is Kind.STRING:
            return self._guarded(self.expression != "")
        if self.kind is Kind.JSON_BOOLEAN:
            return self._guarded(self.expression.in_(["true", "false"]))
        return self.expression.is_not(None) if self.nullable else sa.true()

    def sort_key(self) -> sa.ColumnElement[Any]:
        """What RFC 7644 §3.4.2.3 sorts by: the comparison key, strings by code point."""
        if self.kind is Kind.STRING:
            return CodePointOrder(self._key())
        return self.expression

    def _key(self) -> sa.ColumnElement[Any]:
        if self.case_exact or self.folded:
            return self.expression
        # SQLite's lower() folds ASCII only: non-ASCII letters in attributes without a folded
        # key column (title, name.formatted, emails) compare case-sensitively there.
        return sa.func.lower(self.expression)

    def _literal(self, value: str) -> str:
        return value if self.case_exact else fold(value)

    def _compare_string(self, op: CompareOperator, value: Any) -> sa.ColumnElement[bool]:
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, bytes):
            # A binary attribute is stored as its base64 text (RFC 7643 §2.3.6).
            value = base64.b64encode(value).decode("ascii")
        if not isinstance(value, str):
            raise self._refuse(f"{value!r} is not a string")
        if _UNSTORABLE.search(value):
            # No stored string holds these (scim/user_mapping.py refuses them), and PostgreSQL
            # would reject the parameter.
            raise self._refuse("strings cannot hold NUL or unpaired surrogates")
        key, literal = self._key(), self._literal(value)
        if op is Op.eq:
            return key == literal
        if op in _ORDERING:
            return _ORDERING[op](CodePointOrder(key), literal)
        if literal == "":
            # Every string contains, starts and ends with the empty string.
            return sa.true()
        if not self.case_exact:
            # Both sides are lowercased, so SQLite's ASCII-case-blind LIKE changes nothing.
            return key.like(_like_pattern(op, literal), escape="\\")
        return _case_exact_match(op, key, literal)

    def _compare_boolean(self, op: CompareOperator, value: Any) -> sa.ColumnElement[bool]:
        if op is not Op.eq or not isinstance(value, bool):
            raise self._refuse(f"booleans only take eq and ne with true or false, not {op.value}")
        if self.kind is Kind.JSON_BOOLEAN:
            return self.expression == ("true" if value else "false")
        return self.expression.is_(sa.true()) if value else self.expression.is_(sa.false())

    def _compare_datetime(self, op: CompareOperator, value: Any) -> sa.ColumnElement[bool]:
        if not isinstance(value, datetime) or op not in (Op.eq, *_ORDERING):
            raise self._refuse(f"a dateTime takes eq, ne, gt, ge, lt and le, not {op.value}")
        # RFC 7643 §2.3.5 allows a dateTime without an offset; it is read as UTC. The literal
        # is bound with the column's own type, which stores it exactly as the column's values.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        literal = sa.bindparam(None, value, type_=self.expression.type)
        if op is Op.eq:
            return self.expression == literal
        return _ORDERING[op](self.expression, literal)

    def _compare_version(self, op: CompareOperator, value: Any) -> sa.ColumnElement[bool]:
        match = _ETAG.fullmatch(value) if isinstance(value, str) else None
        if op is not Op.eq:
            raise self._refuse("meta.version only takes eq and ne")
        if match is None:
            # Not an ETag this server issues: equal to no resource's version.
            return sa.false()
        return self.expression == int(match.group(1))

    def _guarded(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # `x IS NOT NULL AND x = ?` is false, not NULL, when x is absent, and still lets the
        # planner use an index on x.
        if not self.nullable:
            return condition
        return sa.and_(self.expression.is_not(None), condition)

    def _refuse(self, reason: str) -> InvalidFilterException:
        return InvalidFilterException(detail=f"cannot filter on {self.name}: {reason}")


def _like_pattern(op: CompareOperator, literal: str) -> str:
    escaped = literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op is Op.co:
        return f"%{escaped}%"
    if op is Op.sw:
        return f"{escaped}%"
    return f"%{escaped}"


def _case_exact_match(
    op: CompareOperator, key: sa.ColumnElement[Any], literal: str
) -> sa.ColumnElement[bool]:
    """co / sw / ew honouring case on both engines.

    LIKE is case-blind for ASCII on SQLite, so it cannot answer a caseExact attribute (`id`,
    `externalId`); substr/replace/length exist, and agree, on SQLite and PostgreSQL.
    """
    length = len(literal)
    if op is Op.sw:
        return sa.func.substr(key, 1, length) == literal
    if op is Op.ew:
        return sa.and_(
            sa.func.length(key) >= length,
            sa.func.substr(key, sa.func.length(key) - length + 1) == literal,
        )
    return sa.func.replace(key, literal, "") != key
