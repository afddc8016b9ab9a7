"""Every SCIM endpoint on aiohttp's router, and the spelling a request's path is read in.

Each operation module lists `OPERATIONS`, `(method, path, operation)` tuples such as
`("GET", "/Users/{id}", get_user)`. `add_routes` registers them on the SCIM sub-app, one
named resource per path (`Users`, `Users-id`, `Users-search`, `search`, ...); aiohttp tries a
literal path before a placeholder, so `/Users/.search` is not read as the user `.search`.

`canonical_path` is for the requests the router matched to no route (scim/app.py): the first
router matched literal segments case-insensitively and ignored a trailing slash, so
`/users/2819c223/` still reaches `/Users/{id}`. RFC 7644 §3.2 spells the endpoints `/Users`,
`/Groups`, ...; Okta and Entra send them so, and never take this second look.
"""

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from scim import bulk, discovery, groups, root_search, users
from scim.protocol import Operation, Route

# Users, Groups, the root /.search (RFC 7644 §3.4.3), discovery and /Me (§4, §3.11), /Bulk (§3.7).
ROUTES: tuple[Route, ...] = (
    *users.OPERATIONS,
    *groups.OPERATIONS,
    *root_search.OPERATIONS,
    *discovery.OPERATIONS,
    *bulk.OPERATIONS,
)
# The literal segments, lower-cased, to their spelling in the routes.
_SPELLINGS = {
    part.lower(): part
    for _method, path, _operation in ROUTES
    for part in path.split("/")
    if part and not part.startswith("{")
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Respond = Callable[[Operation, web.Request], Awaitable[web.StreamResponse]]


def add_routes(router: web.UrlDispatcher, respond: Respond) -> None:
    """Each path as one named resource, with a route per method that runs
    `respond(operation, request)`."""
    methods_by_path: dict[str, list[tuple[str, Operation]]] = {}
    for method, path, operation in ROUTES:
        methods_by_path.setdefault(path, []).append((method, operation))
    for path, methods in methods_by_path.items():
        resource = router.add_resource(path, name=route_name(path))
        for method, operation in methods:
            handler: Handler = functools.partial(respond, operation)
            resource.add_route(method, handler)


def route_name(path: str) -> str:
    """`/Users/{id}` -> `Users-id`, `/Users/.search` -> `Users-search`."""
    return "-".join(part.strip("{}.") for part in path.strip("/").split("/"))


def canonical_path(path: str) -> str:
    """`path` with its literal segments spelled as the routes spell them and no trailing slash.

    A placeholder's value that happens to spell a literal (an id `users`) is respelled too;
    this only runs for a path no route matched, and ids the gateway assigns are UUIDs."""
    return "/".join(_SPELLINGS.get(part.lower(), part) for part in path.rstrip("/").split("/"))
