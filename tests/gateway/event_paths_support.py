"""What the tests of events-from-every-path share: a product following one org's feed step by
step, the SCIM and admin calls each path makes, and the check that the seat ledger and the
feed tell the same story."""

from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from tests.auth.conftest import basic, new_product_client
from tests.gateway.events_support import read_all
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for
from tests.scim.support import BASE, PATCH_OP, SEAT, user_payload

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"

# The feed's types that derive a seat ledger entry (seats/event_log.py).
SEAT_TYPES = ("member.seat_changed", "invite.created", "invite.revoked", "invite.expired")


@dataclass
class Product:
    """A product client of one org reading the feed: `new()` answers what happened since the
    last call, so each step of a test asserts exactly the events that step caused."""

    client: TestClient
    org_id: str
    headers: dict[str, str]
    cursor: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def follow(cls, client: TestClient, org_id: str) -> "Product":
        credentials = await new_product_client(client, org_id)
        product = cls(client, org_id, basic(credentials["client_id"], credentials["client_secret"]))
        await product.new()
        return product

    async def new(self) -> list[dict[str, Any]]:
        events, self.cursor = await read_all(self.client, self.headers, after=self.cursor)
        assert {e["org_id"] for e in events} <= {self.org_id}
        self.seen += events
        return events

    async def new_types(self) -> list[str]:
        return [e["type"] for e in await self.new()]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def data_of(events: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == type_]


def seat_change(
    member_id: str, seat_status: str | None, previous: str | None, reason: str, actor: str
) -> dict[str, Any]:
    """The data of a member.seat_changed event, as the product reads it."""
    return {
        "member_id": member_id,
        "seat_status": seat_status,
        "previous_seat_status": previous,
        "reason": reason,
        "actor": actor,
    }


async def assert_ledger_agrees(client: TestClient, org_id: str) -> None:
    """Every seat ledger entry of the org has exactly one event in the feed saying the same
    thing, in the same order, and the other way round."""
    headers = (await Product.follow(client, org_id)).headers
    events, _ = await read_all(client, headers, types=",".join(SEAT_TYPES), limit=1000)
    from_events = [_as_ledger_entry(e) for e in events]
    entries = (await admin(client, "GET", f"/orgs/{org_id}/ledger?limit=500"))["data"]
    from_ledger = [
        (e["member_id"] or e["invite_id"], e["from"], e["to"], e["reason"], e["actor"])
        for e in entries
    ]
    assert from_ledger == from_events


def _as_ledger_entry(event: dict[str, Any]) -> tuple[Any, ...]:
    data = event["data"]
    if event["type"] == "member.seat_changed":
        return (
            data["member_id"],
            data["previous_seat_status"],
            data["seat_status"],
            data["reason"],
            data["actor"],
        )
    if event["type"] == "invite.created":
        return (data["invite_id"], None, "pending_invite", data["reason"], data["actor"])
    return (data["invite_id"], "pending_invite", None, data["reason"], data["actor"])


# -- the admin API ----------------------------------------------------------------------------


async def admin(client: TestClient, method: str, path: str, body: Any = None) -> Any:
    response = await client.request(method, f"/admin/v1{path}", json=body, headers=ADMIN_HEADERS)
    assert response.status < 300, await response.text()
    return await response.json() if response.status != 204 else None


# -- the IdP ----------------------------------------------------------------------------------


async def full_org(
    client: TestClient, seat_limit: int, *names: str, **fields: object
) -> tuple[str, dict[str, str], list[str]]:
    """An org whose members `names` were provisioned in this order (the first take seats)."""
    org = await create_org(client, seat_limit=seat_limit, **fields)
    scim = await scim_headers_for(client, org["id"])
    ids = [(await provision(client, scim, f"{name}@acme.test"))["id"] for name in names]
    return org["id"], scim, ids


async def scim_call(
    client: TestClient, headers: dict[str, str], method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    response = await client.request(method, f"{BASE}{path}", json=body, headers=headers)
    text = await response.text()
    assert response.status < 300, text
    return response.status, (await response.json(content_type=None)) if text else None


async def provision(
    client: TestClient, headers: dict[str, str], user_name: str, **fields: Any
) -> dict[str, Any]:
    _, user = await scim_call(client, headers, "POST", "/Users", user_payload(user_name, **fields))
    return user


def seat_status(user: dict[str, Any]) -> str:
    return user[SEAT]["seatStatus"]


async def patch_user(
    client: TestClient, headers: dict[str, str], user_id: str, *operations: dict[str, Any]
) -> dict[str, Any]:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    _, user = await scim_call(client, headers, "PATCH", f"/Users/{user_id}", body)
    return user


async def create_group(
    client: TestClient, headers: dict[str, str], display_name: str, *member_ids: str
) -> dict[str, Any]:
    body = {
        "schemas": [GROUP],
        "displayName": display_name,
        "members": [{"value": member_id} for member_id in member_ids],
    }
    _, group = await scim_call(client, headers, "POST", "/Groups", body)
    return group


async def patch_group(
    client: TestClient, headers: dict[str, str], group_id: str, *operations: dict[str, Any]
) -> dict[str, Any]:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    _, group = await scim_call(client, headers, "PATCH", f"/Groups/{group_id}", body)
    return group
