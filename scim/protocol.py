"""The framework-free SCIM core's request and response, and the shape of its operation tables.

Each SCIM operation is an async function `(ScimRequest, ScimContext) -> ScimResponse`, listed
with its method and path in its module's `OPERATIONS`. The aiohttp adapter (scim/app.py) routes
HTTP to them (scim/routes.py) and turns a ScimRequest and its response back into HTTP; /Bulk
(RFC 7644 §3.7) calls the same Users and Groups operations, so every rule holds on both paths,
and the protocol is testable without a server.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scim.normalizations import Quirk
from seats.deprovision_rules import GuardLimits
from seats.storage.database import Database


@dataclass(frozen=True)
class ScimSettings:
    base_url: str
    max_body_bytes: int = 1024 * 1024
    max_bulk_operations: int = 1000
    max_filter_results: int = 1000
    # A PATCH on a group with more members answers without `members` (GET reads them).
    patch_response_max_members: int = 1000
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200
    # The mass-deprovisioning guard's default limits (orgs may override them).
    deprovision_guard: GuardLimits = field(default_factory=GuardLimits)


@dataclass(frozen=True)
class ScimContext:
    """What an operation may use: the database, the settings, and the caller's organization."""

    database: Database
    settings: ScimSettings
    org_id: str
    actor: str = "scim"


@dataclass(frozen=True)
class ScimRequest:
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    # Parsed JSON body (already size- and content-type-checked), or None.
    body: Any = None
    # Segments captured from the route, e.g. {"id": "2819c223"}.
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScimResponse:
    status: int
    body: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # The IdP quirks the operation accepted (scim/normalizations.py), for connection telemetry.
    normalized: Mapping[Quirk, int] = field(default_factory=dict)


Operation = Callable[[ScimRequest, ScimContext], Awaitable[ScimResponse]]
# (method, path relative to the SCIM base URL, operation), e.g. ("GET", "/Users/{id}", get_user).
Route = tuple[str, str, Operation]
