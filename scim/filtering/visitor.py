"""SCIM filters (RFC 7644 §3.4.2.2) translated into SQLAlchemy conditions.

scim2-models parses the filter and checks it against the resource model (`ScimFilter`); the
`SqlFilter` visitor below walks its syntax tree and asks `storage` where each attribute lives.
Nothing here parses filter text.
"""

from dataclasses import dataclass
from inspect import isclass
from typing import Any

import sqlalchemy as sa
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttributeBinding,
    AttrPath,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
    coerce_value,
)

from scim.filtering.operands import Operand
from scim.filtering.storage import Elements, ResourceStorage, is_complex, never_returned

# Deeper nesting than any identity provider sends; refused before it can exhaust the stack of
# the parser, this visitor or the SQL compiler.
MAX_FILTER_DEPTH = 32


@dataclass(frozen=True)
class _Selection:
    """The multi-valued attribute a value path (`emails[...]`) selects from."""

    attr_path: AttrPath
    binding: AttributeBinding
    elements: Elements


class SqlFilter(FilterVisitor[sa.ColumnElement[bool]]):
    """Translate a parsed, model-bound filter into a condition on `storage.table`.

    Attributes resolve strictly: on a resource-type endpoint an attribute the type does not
    define is a filter "not supported" (RFC 7644 §3.12, 400 invalidFilter). The lenient default
    of `ScimFilter`, matching nothing, is meant for the server root (RFC 7644 §3.4.2.1).
    """

    def __init__(
        self,
        storage: ResourceStorage,
        scim_filter: ScimFilter[Any],
        selection: _Selection | None = None,
    ) -> None:
        self.storage = storage
        self.scim_filter = scim_filter
        self.selection = selection

    def visit_logical_expr(self, node: LogicalExpr) -> sa.ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return sa.and_(*terms) if node.op is LogicalOperator.and_ else sa.or_(*terms)

    def visit_not(self, node: Not) -> sa.ColumnElement[bool]:
        # Sound because every condition built here is true or false, never NULL.
        return sa.not_(self.visit(node.expr))

    def visit_comparison(self, node: Comparison) -> sa.ColumnElement[bool]:
        binding = self._resolve(node.attr_path, comparison=True)
        if binding.sub_field_name is None and is_complex(binding):
            # `name eq "x"`, `addresses co "x"`: a complex value has no value to compare (the
            # multi-valued ones holding a `value` were already resolved to it).
            raise InvalidFilterException(
                detail=f"{binding.urn} is complex: compare one of its sub-attributes"
            )
        value = coerce_value(binding, node.value, node.op)
        if self.selection is not None:
            return self._element_operand(binding).compare(node.op, value)
        if not binding.is_multivalued:
            return self.storage.operand(binding).compare(node.op, value)
        # `emails.value eq "x"` holds when any value matches. `ne` is read the way
        # scim2-models' own evaluator reads it: no value equals the operand.
        elements = self.storage.elements(binding)
        operand = elements.operand(binding)
        if node.op is CompareOperator.ne:
            return sa.not_(elements.exists(operand.compare(CompareOperator.eq, value)))
        return elements.exists(operand.compare(node.op, value))

    def visit_present(self, node: Present) -> sa.ColumnElement[bool]:
        binding = self._resolve(node.attr_path)
        if self.selection is not None:
            return self._element_operand(binding).present()
        if binding.is_multivalued:
            elements = self.storage.elements(binding)
            if binding.sub_field_name is not None or not is_complex(binding):
                return elements.exists(elements.operand(binding).present())
            # A value is present when any of its sub-attributes is (RFC 7644 §3.4.2.2:
            # "a non-empty node for complex attributes").
            return elements.exists(elements.value_present(self._sub_bindings(node)))
        if binding.sub_field_name is None and is_complex(binding):
            return sa.or_(*(self._present(sub) for sub in self._sub_bindings(node)))
        return self.storage.operand(binding).present()

    def visit_value_path(self, node: ValuePath) -> sa.ColumnElement[bool]:
        if self.selection is not None:
            raise InvalidFilterException(detail="value paths cannot be nested")
        binding = self._resolve(node.attr_path)
        if not binding.is_multivalued:
            raise InvalidFilterException(detail=f"{binding.urn} is not multi-valued")
        elements = self.storage.elements(binding)
        inner = SqlFilter(
            self.storage, self.scim_filter, _Selection(node.attr_path, binding, elements)
        )
        return elements.exists(inner.visit(node.val_filter))

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

    def _element_operand(self, binding: AttributeBinding) -> Operand:
        assert self.selection is not None
        return self.selection.elements.operand(binding)

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

    def _present(self, binding: AttributeBinding) -> sa.ColumnElement[bool]:
        try:
            return self.storage.operand(binding).present()
        except InvalidFilterException:
            # A sub-attribute that cannot be filtered on (meta.location) is derived from
            # others that are present whenever the resource exists.
            return sa.false()


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


def translate(storage: ResourceStorage, filter_text: str) -> sa.ColumnElement[bool]:
    """Parse `filter_text` against `storage.model` and translate it into a condition."""
    if not isinstance(filter_text, str) or not filter_text.strip():
        raise InvalidFilterException(detail="the filter is empty")
    try:
        scim_filter = ScimFilter[storage.model](filter_text)
        too_deep = _depth(scim_filter.ast) > MAX_FILTER_DEPTH
    except RecursionError:
        too_deep = True
    if too_deep:
        raise InvalidFilterException(detail="the filter is nested too deeply")
    return SqlFilter(storage, scim_filter).visit(scim_filter.ast)
