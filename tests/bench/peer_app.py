"""The reference peer: scim2-server's ASGI application over its async in-memory storage.

Built the way scim2-server's own command builds its server (RFC 7643 default schemas, resource
types and service provider configuration), but as the ASGI application that uvicorn serves:

    uvicorn --factory tests.bench.peer_app:create_app --port 8200

It serves SCIM under /v2 with no authentication; it has no product tokens.
"""

import secrets

from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.service import ScimService
from scim2_server.utils import load_default_provider


def create_app() -> ASGIApplication:
    provider = load_default_provider()
    # One process: a secret drawn at start serves every cursor the peer issues.
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    return ASGIApplication(AsyncInMemoryStorage(), provider, service)
