"""One attribute of a member or group as SQL, and what each comparison operator of
seats/query.py (RFC 7644 §3.4.2.2) means on it.

An `Operand` is a single value of one row: a promoted column, a string or boolean inside the
`resource` JSON, or a part of one element of a multi-valued attribute (the EXISTS around it is
seats/storage/filter_sql.py's business). Every predicate built here is two-valued, never SQL
NULL: an absent attribute makes `eq` false and `ne` true, and `not (...)` keeps meaning "not"
instead of SQL's three-valued "unknown". The values were checked when the seats.query
comparison was built, so nothing here refuses.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from seats.identifiers import fold
from seats.query import Kind, Op
from seats.storage.json_sql import CodePointOrder

_ORDERING = {
    Op.GT: sa.sql.operators.gt,
    Op.GE: sa.sql.operators.ge,
    Op.LT: sa.sql.operators.lt,
    Op.LE: sa.sql.operators.le,
}


@dataclass(frozen=True)
class Operand:
    """A single-valued attribute as a SQL expression.

    `folded` says the stored value already is its case-insensitive comparison key
    (seats.identifiers.fold: `members.user_name_key`), so the literal is folded the same way
    and the column compared as it is, which keeps unique indexes usable. `json_boolean` says
    the expression is the JSON spelling of a boolean ('true' / 'false'). `nullable` False lets
    predicates skip the `IS NOT NULL` guard on NOT NULL columns.
    """

    expression: sa.ColumnElement[Any]
    kind: Kind = Kind.STRING
    case_exact: bool = False
    folded: bool = False
    nullable: bool = True
    json_boolean: bool = False

    def compare(self, op: Op, value: Any) -> sa.ColumnElement[bool]:
        """`attribute op value`, for a value seats.query.Comparison accepted for the kind."""
        if value is None:
            # RFC 7643 §2.5: null and unassigned are the same state.
            return sa.not_(self.present()) if op is Op.EQ else self.present()
        if op is Op.NE:
            return sa.not_(self.compare(Op.EQ, value))
        if self.kind is Kind.STRING:
            condition = self._compare_string(op, value)
        elif self.kind is Kind.BOOLEAN:
            condition = self._compare_boolean(value)
        elif self.kind is Kind.DATETIME:
            condition = self._compare_datetime(op, value)
        else:
            condition = self.expression == value
        return self._guarded(condition)

    def present(self) -> sa.ColumnElement[bool]:
        """`attribute pr`: RFC 7644 §3.4.2.2, a non-empty, non-null value."""
        if self.kind is Kind.STRING:
            return self._guarded(self.expression != "")
        if self.json_boolean:
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
        if self.case_exact:
            return value
        if self.folded:
            return fold(value)
        # Compared with SQL's lower() of the column: lowercase the literal the same way (a full
        # fold would turn 'ß' into 'ss', which lower('ß') never equals).
        return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).lower())

    def _compare_string(self, op: Op, value: str) -> sa.ColumnElement[bool]:
        key, literal = self._key(), self._literal(value)
        if op is Op.EQ:
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

    def _compare_boolean(self, value: bool) -> sa.ColumnElement[bool]:
        if self.json_boolean:
            return self.expression == ("true" if value else "false")
        return self.expression.is_(sa.true()) if value else self.expression.is_(sa.false())

    def _compare_datetime(self, op: Op, value: datetime) -> sa.ColumnElement[bool]:
        # Bound with the column's own type, which stores it exactly as the column's values.
        literal = sa.bindparam(None, value, type_=self.expression.type)
        if op is Op.EQ:
            return self.expression == literal
        return _ORDERING[op](self.expression, literal)

    def _guarded(self, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # `x IS NOT NULL AND x = ?` is false, not NULL, when x is absent, and still lets the
        # planner use an index on x.
        if not self.nullable:
            return condition
        return sa.and_(self.expression.is_not(None), condition)


def _like_pattern(op: Op, literal: str) -> str:
    escaped = literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op is Op.CO:
        return f"%{escaped}%"
    if op is Op.SW:
        return f"{escaped}%"
    return f"%{escaped}"


def _case_exact_match(op: Op, key: sa.ColumnElement[Any], literal: str) -> sa.ColumnElement[bool]:
    """co / sw / ew honouring case on both engines.

    LIKE is case-blind for ASCII on SQLite, so it cannot answer a caseExact attribute (`id`,
    `externalId`); substr/replace/length exist, and agree, on SQLite and PostgreSQL.
    """
    length = len(literal)
    if op is Op.SW:
        return sa.func.substr(key, 1, length) == literal
    if op is Op.EW:
        return sa.and_(
            sa.func.length(key) >= length,
            sa.func.substr(key, sa.func.length(key) - length + 1) == literal,
        )
    return sa.func.replace(key, literal, "") != key
