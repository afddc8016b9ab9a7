"""The framework-free SCIM core's request and response, and the table of operations.

Each SCIM operation is an async function `(ScimRequest, ScimContext) -> ScimResponse`. The
aiohttp adapter (scim/app.py) turns HTTP into a ScimRequest and back; /Bulk (RFC 7644 §3.7)
dispatches its operations through the same table, so every rule holds on both paths, and the
protocol is testable without a server.
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
    method: str
    # Path relative to the SCIM base URL, e.g. "/Users/2819c223".
    path: str
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
