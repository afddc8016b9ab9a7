"""Stripe's form encoding: bracket notation in, nested dicts and lists out, plus typed readers.

`items[0][price]=p&items[0][quantity]=2&metadata[k]=v&expand[]=customer` becomes
`{"items": [{"price": "p", "quantity": "2"}], "metadata": {"k": "v"}, "expand": ["customer"]}`.
Values stay strings; handlers coerce them with the readers below, which fail like Stripe does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakes.stripe_fake.errors import StripeError, invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            raise invalid(f"Invalid parameter name: {raw_key}", param=raw_key)
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for i in range(len(path) - 1):
            node = node.setdefault(path[i], {})
            if not isinstance(node, dict):
                raise invalid(f"Invalid parameter structure: {raw_key}", param=raw_key)
            if path[i + 1] == "":
                # `expand[]=a&expand[]=b`: append with the next free index.
                path[i + 1] = str(len(node))
        if isinstance(node.get(path[-1]), dict):
            raise invalid(f"Invalid parameter structure: {raw_key}", param=raw_key)
        node[path[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    """Turn dicts whose keys are all indexes into lists (Stripe sends arrays as `a[0]`, `a[1]`)."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def check_known(params: Mapping[str, Any], allowed: Iterable[str], parent: str = "") -> None:
    """Refuse parameters the endpoint does not take, as Stripe does (`parent[key]` if nested)."""
    known = {*allowed, "expand"}
    for key in params:
        if key not in known:
            name = f"{parent}[{key}]" if parent else key
            raise StripeError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def read_int(params: Mapping[str, Any], key: str, *, param: str | None = None) -> int | None:
    if key not in params:
        return None
    raw = params[key]
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {raw}", param=param or key) from None
    if value < 0:
        raise invalid(
            f"This value must be greater than or equal to 0 (it currently is '{value}').",
            param=param or key,
        )
    return value


def read_bool(params: Mapping[str, Any], key: str) -> bool | None:
    if key not in params:
        return None
    raw = params[key]
    if raw not in ("true", "false"):
        raise invalid(f"Invalid boolean: {raw}", param=key)
    return raw == "true"


def read_enum(params: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
    if key not in params:
        return None
    raw = params[key]
    if raw not in choices:
        raise invalid(f"Invalid {key}: must be one of {', '.join(choices)}", param=key)
    return str(raw)


def read_str(params: Mapping[str, Any], key: str) -> str | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise invalid(f"Invalid string: {key}", param=key)
    return raw


def merge_metadata(current: dict[str, str], update: Any, *, param: str = "metadata") -> None:
    """Apply a metadata update in place: an empty value (or `metadata=""`) unsets, as on Stripe."""
    if update == "":
        current.clear()
        return
    if not isinstance(update, dict):
        raise invalid("Invalid object", param=param)
    for key, value in update.items():
        if not isinstance(value, str):
            raise invalid("Invalid metadata value", param=f"{param}[{key}]")
        if value == "":
            current.pop(key, None)
        else:
            current[key] = value


def read_expand(params: Mapping[str, Any]) -> list[str]:
    expand = params.get("expand", [])
    if isinstance(expand, str):
        return [expand]
    if not isinstance(expand, list) or not all(isinstance(p, str) for p in expand):
        raise invalid("Invalid array", param="expand")
    return list(expand)
