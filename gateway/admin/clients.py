"""Admin endpoints for product clients: per organization, or global (any organization).

The secret is in the 201 answer only; listings never carry it.
"""

from aiohttp import web

from auth.api_operations import documented
from auth.clients import IssuedClient as IssuedProductClient
from auth.clients import ProductClient, create_client, list_clients, revoke_client
from gateway.admin.request_bodies import NamedSecret
from gateway.admin.responses import ClientAnswer, IssuedClient, page_of
from gateway.directory.paging import (
    BAD_PAGING,
    PAGING_QUERY,
    loaded_page_response,
    position_paging,
)
from gateway.errors import read_body
from gateway.keys import DATABASE

routes = web.RouteTableDef()


@routes.post("/orgs/{org_id}/clients")
@documented(
    summary="Create a product client for the organization",
    description="The client_secret is in this answer only; seatgate keeps its hash.",
    tag="Product clients",
    security="admin",
    body=NamedSecret,
    body_required=False,
    status=201,
    response=IssuedClient,
    errors={404: "no such organization"},
)
async def create_org_client(request: web.Request) -> web.Response:
    name = await _client_name(request)
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await create_client(conn, org_id=request.match_info["org_id"], name=name)
    return web.json_response(_issued_json(issued), status=201)


@routes.get("/orgs/{org_id}/clients")
@documented(
    summary="List the organization's product clients",
    tag="Product clients",
    security="admin",
    query=PAGING_QUERY,
    response=page_of(ClientAnswer),
    errors={400: BAD_PAGING},
)
async def get_org_clients(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    limit, after = position_paging(request, "clients")
    async with request.config_dict[DATABASE].read() as conn:
        clients = await list_clients(conn, org_id=org_id)
    return loaded_page_response(clients, client_json, "clients", limit=limit, after=after)


@routes.delete("/orgs/{org_id}/clients/{client_id}")
@documented(
    summary="Revoke one of the organization's product clients",
    tag="Product clients",
    security="admin",
    status=204,
    errors={404: "no such client in this organization"},
)
async def delete_org_client(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_client(
            conn, request.match_info["client_id"], org_id=request.match_info["org_id"]
        )
    return web.Response(status=204)


@routes.post("/clients")
@documented(
    summary="Create a global product client (any organization)",
    description="The client_secret is in this answer only; seatgate keeps its hash.",
    tag="Product clients",
    security="admin",
    body=NamedSecret,
    body_required=False,
    status=201,
    response=IssuedClient,
)
async def create_global_client(request: web.Request) -> web.Response:
    name = await _client_name(request)
    async with request.config_dict[DATABASE].transaction() as conn:
        issued = await create_client(conn, org_id=None, name=name)
    return web.json_response(_issued_json(issued), status=201)


@routes.get("/clients")
@documented(
    summary="List every product client",
    tag="Product clients",
    security="admin",
    query=PAGING_QUERY,
    response=page_of(ClientAnswer),
    errors={400: BAD_PAGING},
)
async def get_all_clients(request: web.Request) -> web.Response:
    """Every client, global ones (`org_id` null) and those of each organization."""
    limit, after = position_paging(request, "clients")
    async with request.config_dict[DATABASE].read() as conn:
        clients = await list_clients(conn, every_org=True)
    return loaded_page_response(clients, client_json, "clients", limit=limit, after=after)


@routes.delete("/clients/{client_id}")
@documented(
    summary="Revoke any product client",
    tag="Product clients",
    security="admin",
    status=204,
    errors={404: "no such client"},
)
async def delete_any_client(request: web.Request) -> web.Response:
    async with request.config_dict[DATABASE].transaction() as conn:
        await revoke_client(conn, request.match_info["client_id"])
    return web.Response(status=204)


async def _client_name(request: web.Request) -> str:
    return (await read_body(request, NamedSecret, optional=True)).name


def _issued_json(issued: IssuedProductClient) -> IssuedClient:
    return {**client_json(issued.client), "client_secret": issued.secret}


def client_json(client: ProductClient) -> ClientAnswer:
    return {
        "client_id": client.id,
        "org_id": client.org_id,
        "name": client.name,
        "created_at": client.created_at.isoformat(),
        "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None,
    }
