"""The table of SCIM operations and how a (method, path) finds one, without a web framework.

Each operation module exports `OPERATIONS`, a list of `(method, path_pattern, Operation)`
tuples such as `("GET", "/Users/{id}", get_user)`. A `Router` over those tables answers both
the aiohttp adapter (scim/app.py) and /Bulk (RFC 7644 §3.7: a bulk operation's `method` and
`path` address the same endpoints), so every rule holds on both paths.

An unknown path answers 404 and a known path with another method 405, both as RFC 7644 §3.12
error bodies. Literal segments match case-insensitively (`/users` finds `/Users`); where two
patterns match (`/Users/.search` and `/Users/{id}`), the one with fewer placeholders wins.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scim.errors import error_response, guarded
from scim.protocol import Operation, ScimContext, ScimRequest, ScimResponse

Route = tuple[str, str, Operation]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class _Compiled:
    method: str
    pattern: str
    regex: re.Pattern[str]
    placeholders: int
    operation: Operation


def _compile(pattern: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^/]+)")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts), re.IGNORECASE), len(_PLACEHOLDER.findall(pattern))


@dataclass(frozen=True)
class Resolved:
    operation: Operation
    params: Mapping[str, str]


class Router:
    """Finds the operation for a method and a path relative to the SCIM base URL."""

    def __init__(self, *tables: Iterable[Route]) -> None:
        self._routes: list[_Compiled] = []
        for table in tables:
            for method, pattern, operation in table:
                regex, placeholders = _compile(pattern)
                self._routes.append(
                    _Compiled(method.upper(), pattern, regex, placeholders, operation)
                )

    @staticmethod
    def normalize(path: str) -> str:
        path = path.split("?", 1)[0]
        if not path.startswith("/"):
            path = "/" + path
        return path.rstrip("/") or "/"

    def resolve(self, method: str, path: str) -> Resolved | ScimResponse:
        """The operation and its captured segments, or the 404/405 error response."""
        path = self.normalize(path)
        method = method.upper()
        matches = [
            (route, found) for route in self._routes if (found := route.regex.fullmatch(path))
        ]
        if not matches:
            return error_response(404, f"no SCIM endpoint at {path}")
        # The most literal pattern for this path decides; methods then select within it.
        fewest = min(route.placeholders for route, _ in matches)
        best = [(route, found) for route, found in matches if route.placeholders == fewest]
        for route, found in best:
            if route.method == method:
                return Resolved(route.operation, found.groupdict())
        allowed = sorted({route.method for route, _ in best})
        return error_response(
            405,
            f"{method} is not supported on {path}; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )

    async def dispatch(self, request: ScimRequest, context: ScimContext) -> ScimResponse:
        """Resolve and run `request`; every outcome, errors included, is a ScimResponse."""
        resolved = self.resolve(request.method, request.path)
        if isinstance(resolved, ScimResponse):
            return resolved
        routed = ScimRequest(
            method=request.method.upper(),
            path=self.normalize(request.path),
            query=request.query,
            headers=request.headers,
            body=request.body,
            params=resolved.params,
        )
        return await guarded(resolved.operation, routed, context)
