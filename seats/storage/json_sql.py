"""Engine-neutral SQL for reading attributes out of a stored `resource` JSON document.

A query is compiled before anyone knows which engine runs it, so the JSON operators are small
SQLAlchemy constructs compiled per dialect. SQLite keeps the document as JSON text (its `->` and
`->>` operators need SQLite 3.38 or later); PostgreSQL keeps it as JSONB.

construct              SQLite                             PostgreSQL (also the default)
JsonNode(doc, keys)    doc -> '$."a"."b"'                 doc -> 'a' -> 'b'
JsonText(doc, keys)    doc ->> '$."a"."b"'                doc -> 'a' ->> 'b'
JsonRepr(doc, keys)    doc -> '$."a"."b"'                 CAST(doc -> 'a' -> 'b' AS TEXT)
array_elements(node)   json_each(<node if an array>)      jsonb_array_elements(<same>)
ElementObject(elem)    CASE WHEN elem.type = 'object'...  elem.value
ElementText(elem)      elem.atom                          elem.value #>> '{}'
CodePointOrder(expr)   expr (BINARY: code point order)    expr COLLATE "C"

`JsonRepr` is the JSON spelling of a value, the same on both engines for booleans (`true`,
`false`); SQLite's `->>` would answer 1/0 and PostgreSQL's `->>` 'true'/'false'.

Keys are the attribute names of a seats.query `Document` (scim/filtering takes them from the
scim2-models schema, never the spelling a client sent), checked against the RFC 7643 §2.1 name
grammar and rendered as SQL string literals, so the SQL text of a query shape is stable (and
SQLAlchemy's compiled cache holds it). Values compared with them are always bound parameters.
"""

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

# RFC 7643 §2.1 ATTRNAME (plus `$ref`), or a schema URN qualifying an extension's attributes.
_KEY = re.compile(r"\$?[A-Za-z][A-Za-z0-9_$-]*|urn:[A-Za-z0-9][A-Za-z0-9._:-]*")


def _checked(keys: tuple[str, ...]) -> tuple[str, ...]:
    for key in keys:
        if not _KEY.fullmatch(key):
            raise ValueError(f"{key!r} is not an attribute name or schema URN")
    return keys


def _literal(compiler: SQLCompiler, value: str) -> str:
    return compiler.render_literal_value(value, sa.String())


class _JsonPath(sa.ColumnElement[Any]):
    """A value at a path of keys inside a JSON document (`doc` is a column or an element)."""

    inherit_cache = True
    _traverse_internals = [
        ("document", InternalTraversal.dp_clauseelement),
        ("keys", InternalTraversal.dp_string_list),
    ]

    def __init__(self, document: sa.ColumnElement[Any], keys: tuple[str, ...]) -> None:
        self.document = document
        self.keys = _checked(keys)


class JsonNode(_JsonPath):
    """The JSON value itself (JSON text on SQLite, jsonb on PostgreSQL); NULL when absent."""

    inherit_cache = True

    type = sa.JSON()


class JsonText(_JsonPath):
    """A JSON string as SQL text; NULL when absent or JSON null."""

    inherit_cache = True

    type = sa.String()


class JsonRepr(_JsonPath):
    """The JSON spelling of a value as text (`true`, `"x"`); NULL when absent."""

    inherit_cache = True

    type = sa.String()


def _sqlite_path(keys: tuple[str, ...]) -> str:
    return "$" + "".join(f'."{key}"' for key in keys)


@compiles(JsonNode, "sqlite")
@compiles(JsonRepr, "sqlite")
def _sqlite_node(element: _JsonPath, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(element.document, **kw)
    return f"({document} -> {_literal(compiler, _sqlite_path(element.keys))})"


@compiles(JsonText, "sqlite")
def _sqlite_text(element: _JsonPath, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(element.document, **kw)
    return f"({document} ->> {_literal(compiler, _sqlite_path(element.keys))})"


def _postgresql_chain(element: _JsonPath, compiler: SQLCompiler, last: str, **kw: Any) -> str:
    sql = compiler.process(element.document, **kw)
    for index, key in enumerate(element.keys):
        operator = last if index == len(element.keys) - 1 else "->"
        sql = f"{sql} {operator} {_literal(compiler, key)}"
    return f"({sql})"


@compiles(JsonNode)
@compiles(JsonNode, "postgresql")
def _postgresql_node(element: _JsonPath, compiler: SQLCompiler, **kw: Any) -> str:
    return _postgresql_chain(element, compiler, "->", **kw)


@compiles(JsonText)
@compiles(JsonText, "postgresql")
def _postgresql_text(element: _JsonPath, compiler: SQLCompiler, **kw: Any) -> str:
    return _postgresql_chain(element, compiler, "->>", **kw)


@compiles(JsonRepr)
@compiles(JsonRepr, "postgresql")
def _postgresql_repr(element: _JsonPath, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_postgresql_chain(element, compiler, '->', **kw)} AS TEXT)"


class array_elements(FunctionElement[Any]):
    """The elements of a JSON array node, as a table-valued function.

    Use `.table_valued("value", "type", "atom")`: SQLite's json_each has all three columns,
    PostgreSQL's jsonb_array_elements only `value`, and the element constructs below read only
    what the engine has. A node that is not an array has no elements (rather than failing, or
    iterating an object's members), so a malformed document cannot turn into a 500.
    """

    inherit_cache = True
    name = "array_elements"


@compiles(array_elements, "sqlite")
def _sqlite_elements(element: array_elements, compiler: SQLCompiler, **kw: Any) -> str:
    node = compiler.process(element.clauses, **kw)
    return f"json_each(CASE WHEN json_type({node}) = 'array' THEN {node} END)"


@compiles(array_elements)
@compiles(array_elements, "postgresql")
def _postgresql_elements(element: array_elements, compiler: SQLCompiler, **kw: Any) -> str:
    node = compiler.process(element.clauses, **kw)
    return f"jsonb_array_elements(CASE WHEN jsonb_typeof({node}) = 'array' THEN {node} END)"


class _Element(sa.ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = [("elements", InternalTraversal.dp_clauseelement)]

    def __init__(self, elements: sa.TableValuedAlias) -> None:
        self.elements = elements


class ElementObject(_Element):
    """An element that is a JSON object, as a document for `JsonText`; NULL otherwise."""

    inherit_cache = True

    type = sa.JSON()


class ElementText(_Element):
    """An element that is a JSON string, as SQL text (`schemas[value eq "..."]`)."""

    inherit_cache = True

    type = sa.String()


@compiles(ElementObject, "sqlite")
def _sqlite_element_object(element: _Element, compiler: SQLCompiler, **kw: Any) -> str:
    # json_each answers an object element as JSON text but a string element as plain text,
    # which `->>` would reject as malformed JSON: only objects are read into.
    kind = compiler.process(element.elements.c.type, **kw)
    value = compiler.process(element.elements.c.value, **kw)
    return f"(CASE WHEN {kind} = 'object' THEN {value} END)"


@compiles(ElementObject)
@compiles(ElementObject, "postgresql")
def _postgresql_element_object(element: _Element, compiler: SQLCompiler, **kw: Any) -> str:
    # `->` and `->>` on a jsonb that is not an object answer NULL, never an error.
    return compiler.process(element.elements.c.value, **kw)


@compiles(ElementText, "sqlite")
def _sqlite_element_text(element: _Element, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.elements.c.atom, **kw)


@compiles(ElementText)
@compiles(ElementText, "postgresql")
def _postgresql_element_text(element: _Element, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.elements.c.value, **kw)} #>> '{{}}')"


class CodePointOrder(sa.ColumnElement[str]):
    """A string ordered by Unicode code point, as RFC 7644 §3.4.2.3 asks ("no specific locale").

    SQLite's default BINARY collation already compares UTF-8 bytes, which is code point order;
    PostgreSQL would otherwise use the database's locale.
    """

    inherit_cache = True
    type = sa.String()
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, expression: sa.ColumnElement[Any]) -> None:
        self.inner = expression


@compiles(CodePointOrder)
def _default_code_point(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(CodePointOrder, "postgresql")
def _postgresql_code_point(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.inner, **kw)} COLLATE "C")'
