"""Request bodies as pydantic models: the same models validate a request and describe it in
the OpenAPI document (gateway/openapi.py), so the reference cannot disagree with the code.

`parse_body` turns a refusal into the gateway's domain errors, which every edge already
renders as `{"error", "detail"}`:
- a name the model does not have: `UnknownField` (code `unknown_field`), listing the allowed
  names;
- a missing or ill-typed value: `InvalidValue` with the sentence the field's `Says` gives.
Checks whose sentence is a rule of the domain (a seat number's bounds, an invite's address)
run as validators that raise the domain's own `InvalidValue`, which pydantic lets through.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from seats.errors import InvalidValue

Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    """A JSON object body: no names beyond the fields, no coercion (`"5"` is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_enum_values=True)


@dataclass(frozen=True)
class Says:
    """What a refusal of a field says: `invalid` for a wrong value, `missing` when a required
    field is absent (defaults to `invalid`). An annotation pydantic itself ignores."""

    invalid: str
    missing: str | None = None


class UnknownField(InvalidValue):
    code = "unknown_field"


def parse_body(model: type[Model], body: dict[str, Any]) -> Model:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise _refusal(model, error) from None


def _refusal(model: type[BaseModel], error: ValidationError) -> InvalidValue:
    problems = error.errors()
    unknown = sorted(str(p["loc"][0]) for p in problems if p["type"] == "extra_forbidden")
    if unknown:
        allowed = ", ".join(sorted(model.model_fields))
        return UnknownField(f"unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    first = problems[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    says = _says(model, name)
    if says is None:
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        return InvalidValue(f"{where}: {first['msg']}")
    if first["type"] == "missing":
        return InvalidValue(says.missing or says.invalid)
    return InvalidValue(says.invalid)


def _says(model: type[BaseModel], name: str) -> Says | None:
    info = model.model_fields.get(name)
    if info is None:
        return None
    return next((item for item in info.metadata if isinstance(item, Says)), None)
