"""SCIM filters (RFC 7644 §3.4.2.2) translated into seats.query conditions.

scim2-models parses the filter and checks it against the resource model (`ScimFilter`); the
`QueryFilter` visitor below walks its syntax tree and asks `fields` which seats.query attribute
answers each SCIM attribute. Nothing here parses filter text, and nothing here is SQL.
"""

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from inspect import isclass
from typing import Any

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttributeBinding,
    AttrPath,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
    coerce_value,
)

from scim.filtering.fields import (
    Elements,
    ResourceFields,
    case_exact,
    is_complex,
    never_returned,
)
from seats import query
from seats.query import Attribute, Condition, InvalidQuery, Kind, Op, kind_of

# Deeper nesting than any identity provider sends; refused before it can exhaust the stack of
# the parser, this visitor or the SQL compiler.
MAX_FILTER_DEPTH = 32


@dataclass(frozen=True)
class _Selection:
    """The multi-valued attribute a value path (`emails[...]`) selects from."""

    attr_path: AttrPath
    binding: AttributeBinding
    elements: Elements


# meta.version is the weak ETag scim/responses.py renders from the version number.
_ETAG = re.compile(r'(?:W/)?"(\d{1,18})"')


class QueryFilter(FilterVisitor[Condition]):
    """Translate a parsed, model-bound filter into a seats.query condition.

    Attributes resolve strictly: on a resource-type endpoint an attribute the type does not
    define is a filter "not supported" (RFC 7644 §3.12, 400 invalidFilter). The lenient default
    of `ScimFilter`, matching nothing, is meant for the server root (RFC 7644 §3.4.2.1).
    """

    def __init__(
        self,
        fields: ResourceFields,
        scim_filter: ScimFilter[Any],
        selection: _Selection | None = None,
    ) -> None:
        self.fields = fields
        self.scim_filter = scim_filter
        self.selection = selection

    def visit_logical_expr(self, node: LogicalExpr) -> Condition:
        terms = tuple(self.visit(term) for term in node.terms)
        return query.And(terms) if node.op is LogicalOperator.and_ else query.Or(terms)

    def visit_not(self, node: Not) -> Condition:
        return query.Not(self.visit(node.expr))

    def visit_comparison(self, node: Comparison) -> Condition:
        binding = self._resolve(node.attr_path, comparison=True)
        if binding.sub_field_name is None and is_complex(binding):
            # `name eq "x"`, `addresses co "x"`: a complex value has no value to compare (the
            # multi-valued ones holding a `value` were already resolved to it).
            raise InvalidFilterException(
                detail=f"{binding.urn} is complex: compare one of its sub-attributes"
            )
        value = coerce_value(binding, node.value, node.op)
        op = Op(node.op.value)
        if self.selection is not None:
            return _compare(self.selection.elements.part(binding), binding, op, value)
        if not binding.is_multivalued:
            return _compare(self.fields.attribute(binding), binding, op, value)
        # `emails.value eq "x"` holds when any value matches. `ne` is read the way
        # scim2-models' own evaluator reads it: no value equals the operand.
        elements = self.fields.elements(binding)
        part = elements.part(binding)
        if op is Op.NE:
            equal = _compare(part, binding, Op.EQ, value)
            return query.Not(query.AnyElement(elements.collection, equal))
        return query.AnyElement(elements.collection, _compare(part, binding, op, value))

    def visit_present(self, node: Present) -> Condition:
        binding = self._resolve(node.attr_path)
        if self.selection is not None:
            return query.Present(self.selection.elements.part(binding))
        if binding.is_multivalued:
            elements = self.fields.elements(binding)
            if binding.sub_field_name is not None or not is_complex(binding):
                return query.AnyElement(elements.collection, query.Present(elements.part(binding)))
            if elements.is_membership:
                # A membership always names its member.
                return query.AnyElement(elements.collection, query.Constant(True))
            # A value is present when any of its sub-attributes is (RFC 7644 §3.4.2.2:
            # "a non-empty node for complex attributes").
            parts = (query.Present(elements.part(sub)) for sub in self._sub_bindings(node))
            return query.AnyElement(elements.collection, query.Or(tuple(parts)))
        if binding.sub_field_name is None and is_complex(binding):
            return query.Or(tuple(self._present(sub) for sub in self._sub_bindings(node)))
        return query.Present(self.fields.attribute(binding))

    def visit_value_path(self, node: ValuePath) -> Condition:
        if self.selection is not None:
            raise InvalidFilterException(detail="value paths cannot be nested")
        binding = self._resolve(node.attr_path)
        if not binding.is_multivalued:
            raise InvalidFilterException(detail=f"{binding.urn} is not multi-valued")
        elements = self.fields.elements(binding)
        inner = QueryFilter(
            self.fields, self.scim_filter, _Selection(node.attr_path, binding, elements)
        )
        return query.AnyElement(elements.collection, inner.visit(node.val_filter))

    def _resolve(self, attr_path: AttrPath, *, comparison: bool = False) -> AttributeBinding:
        if self.selection is not None:
            return self._resolve_in_selection(attr_path)
        resolve = self.scim_filter.resolve_comparison if comparison else self.scim_filter.resolve
        binding = resolve(attr_path, strict=True)
        assert binding is not None, "the filter is bound to a model"
        _check_returned(binding)
        return binding

    def _resolve_in_selection(self, attr_path: AttrPath) -> AttributeBinding:
        """Resolve `type` in `emails[type eq "work"]` as `emails.type` (RFC 7644 §3.4.2.2)."""
        assert self.selection is not None
        outer = self.selection.attr_path
        if attr_path.uri is not None or attr_path.sub_attr is not None:
            raise InvalidFilterException(
                detail=f"'{attr_path}' inside {outer}[...] must be a sub-attribute name"
            )
        if not is_complex(self.selection.binding):
            # A list of plain values: `value` is the value itself, as in `schemas[value eq "x"]`.
            if attr_path.attr.lower() != "value":
                raise InvalidFilterException(detail=f"{outer} values have no '{attr_path.attr}'")
            return self.selection.binding
        binding = self.scim_filter.resolve(
            AttrPath(outer.attr, attr_path.attr, outer.uri), strict=True
        )
        assert binding is not None, "the filter is bound to a model"
        _check_returned(binding)
        return binding

    def _sub_bindings(self, node: Present) -> list[AttributeBinding]:
        """Every sub-attribute of the complex attribute `node` names, that a filter may read."""
        binding = self._resolve(node.attr_path)
        subs = []
        assert isclass(binding.field_type)
        for name, field in binding.field_type.model_fields.items():
            path = AttrPath(
                node.attr_path.attr, field.serialization_alias or name, node.attr_path.uri
            )
            sub = self.scim_filter.resolve(path, strict=True)
            if sub is not None and not never_returned(sub):
                subs.append(sub)
        return subs

    def _present(self, binding: AttributeBinding) -> Condition:
        try:
            return query.Present(self.fields.attribute(binding))
        except InvalidFilterException:
            # A sub-attribute that cannot be filtered on (meta.location) is derived from
            # others that are present whenever the resource exists.
            return query.Constant(False)


def _compare(attribute: Attribute, binding: AttributeBinding, op: Op, value: Any) -> Condition:
    """`attribute op value` for a value scim2-models coerced to the attribute's type."""
    kind = kind_of(attribute)
    if isinstance(value, Enum):
        value = value.value
    elif isinstance(value, bytes):
        # A binary attribute is stored as its base64 text (RFC 7643 §2.3.6).
        value = base64.b64encode(value).decode("ascii")
    elif isinstance(value, datetime) and value.tzinfo is None:
        # RFC 7643 §2.3.5 allows a dateTime without an offset; it is read as UTC.
        value = value.replace(tzinfo=UTC)
    if kind is Kind.VERSION and value is not None:
        match = _ETAG.fullmatch(value) if isinstance(value, str) else None
        if op not in (Op.EQ, Op.NE):
            raise _refuse(binding, "meta.version only takes eq and ne")
        if match is None:
            # Not an ETag this server issues: equal to no resource's version.
            return query.Constant(op is Op.NE)
        value = int(match.group(1))
    try:
        return query.Comparison(attribute, op, value, case_exact=case_exact(binding))
    except InvalidQuery as exc:
        raise _refuse(binding, exc.detail) from None


def _refuse(binding: AttributeBinding, reason: str) -> InvalidFilterException:
    return InvalidFilterException(detail=f"cannot filter on {binding.urn}: {reason}")


def _check_returned(binding: AttributeBinding) -> None:
    if never_returned(binding):
        raise InvalidFilterException(detail=f"{binding.urn} is never returned: no filter on it")


def _depth(node: Any) -> int:
    if isinstance(node, LogicalExpr):
        return 1 + max(_depth(term) for term in node.terms)
    if isinstance(node, Not):
        return 1 + _depth(node.expr)
    if isinstance(node, ValuePath):
        return 1 + _depth(node.val_filter)
    return 1


def translate(fields: ResourceFields, filter_text: str) -> Condition:
    """Parse `filter_text` against `fields.model` and translate it into a condition."""
    if not isinstance(filter_text, str) or not filter_text.strip():
        raise InvalidFilterException(detail="the filter is empty")
    try:
        scim_filter = ScimFilter[fields.model](filter_text)
        too_deep = _depth(scim_filter.ast) > MAX_FILTER_DEPTH
    except RecursionError:
        too_deep = True
    if too_deep:
        raise InvalidFilterException(detail="the filter is nested too deeply")
    return QueryFilter(fields, scim_filter).visit(scim_filter.ast)
