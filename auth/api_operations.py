"""What an HTTP handler says about itself for the API reference: a summary, its request body
model, its query parameters, the model of its answer and the error statuses it gives.
gateway/openapi.py turns these into the OpenAPI document; nothing here changes how a request
is handled.

It lives in auth, the lowest layer that serves HTTP, because the handlers of /auth/v1 (here)
and of the admin and directory APIs (gateway/) both describe themselves with it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

Security = Literal["admin", "client", "admin_or_client", "metrics", "none"]

_ATTRIBUTE = "seatgate_api_operation"

Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass(frozen=True)
class QueryParameter:
    """One query parameter; `schema` is its JSON Schema (a string unless said otherwise)."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Operation:
    """One route's entry in the reference. `errors` maps each status the handler itself can
    answer to when it does; the builder adds the ones every route of its kind shares (401 for
    authenticated routes, the body reader's 400/413/415/422, 503 when storage is down)."""

    summary: str
    tag: str
    security: Security
    description: str | None = None
    body: type | None = None
    body_required: bool = True
    body_media_type: str = "application/json"
    query: tuple[QueryParameter, ...] = ()
    status: int = 200
    response: type | None = None
    response_media_type: str = "application/json"
    errors: Mapping[int, str] = field(default_factory=dict)


def documented(**description: Any) -> Callable[[Handler], Handler]:
    """Attach an `Operation` to a handler (the same function comes back)."""
    operation = Operation(**description)

    def attach(handler: Handler) -> Handler:
        setattr(handler, _ATTRIBUTE, operation)
        return handler

    return attach


def operation_of(handler: Callable[..., Any]) -> Operation | None:
    return getattr(handler, _ATTRIBUTE, None)
