"""Admin endpoints for product clients: per organization, or global (any organization).

The secret is in the 201 answer only; listings never carry it.
"""

from typing import Any

from aiohttp import web

from auth.clients import IssuedClient, ProductClient, create_client, list_clients, revoke_client
from gateway.errors import ApiError, read_json_object
from gateway.keys import DATABASE

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/clients")
async def create_org_client(request: web.Request) -> web.Response:
    name = await _client_name(request)
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await create_client(conn, org_id=request.match_info["org_id"], name=name)
    return web.json_response(_issued_json(issued), status=201)


@routes.get("/orgs/{org_id}/clients")
async def get_org_clients(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    async with request.config_dict[DATABASE].read() as conn:
        clients = await list_clients(conn, org_id=org_id)
    return web.json_response({"clients": [client_json(c) for c in clients]})


@routes.delete("/orgs/{org_id}/clients/{client_id}")
async def delete_org_client(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_client(
            conn, request.match_info["client_id"], org_id=request.match_info["org_id"]
        )
    return web.Response(status=204)


@routes.post("/clients")
async def create_global_client(request: web.Request) -> web.Response:
    name = await _client_name(request)
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await create_client(conn, org_id=None, name=name)
    return web.json_response(_issued_json(issued), status=201)


@routes.get("/clients")
async def get_all_clients(request: web.Request) -> web.Response:
    """Every client, global ones (`org_id` null) and those of each organization."""
    async with request.config_dict[DATABASE].read() as conn:
        clients = await list_clients(conn, every_org=True)
    return web.json_response({"clients": [client_json(c) for c in clients]})


@routes.delete("/clients/{client_id}")
async def delete_any_client(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_client(conn, request.match_info["client_id"])
    return web.Response(status=204)


async def _client_name(request: web.Request) -> str:
    body = await read_json_object(request) if request.can_read_body else {}
    unknown = sorted(set(body) - {"name"})
    if unknown:
        raise ApiError(
            422, "unknown_field", f"unknown field(s) {', '.join(unknown)}; allowed: name"
        )
    name = body.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise ApiError(422, "invalid_value", "name must be a string of at most 200 characters")
    return name


def _issued_json(issued: IssuedClient) -> dict[str, Any]:
    return {**client_json(issued.client), "client_secret": issued.secret}


def client_json(client: ProductClient) -> dict[str, Any]:
    return {
        "client_id": client.id,
        "org_id": client.org_id,
        "name": client.name,
        "created_at": client.created_at.isoformat(),
        "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None,
    }
