"""Fixtures of the property-based bad-input suite: one live gateway per test (both engines),
with an organization, its SCIM token, a user, a group and a product client to aim at."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from gateway.config import Settings
from tests.auth.conftest import basic
from tests.fuzz.live_gateway import Answer, LiveGateway
from tests.helpers import ADMIN_HEADERS


@dataclass(frozen=True)
class Target:
    """What the examples aim at in one gateway."""

    gateway: LiveGateway
    org_id: str
    scim_headers: dict[str, str]
    user_id: str
    group_id: str
    product_headers: dict[str, str]

    def refused_leaves_no_trace(self, send: Callable[[], Answer]) -> Answer:
        """Send; when refused (4xx), nothing may have been written. Never a 5xx."""
        before = self.gateway.counts()
        answer = send()
        assert answer.status < 500, answer
        if answer.status >= 400:
            after = self.gateway.counts()
            changed = {
                name: (before[name], after[name]) for name in before if before[name] != after[name]
            }
            assert not changed, (answer, changed)
        return answer


@pytest.fixture
def target(settings: Settings) -> Iterator[Target]:
    gateway = LiveGateway(settings)
    try:
        org = gateway.request(
            "POST",
            "/admin/v1/orgs",
            headers=ADMIN_HEADERS,
            json_body={"name": "Fuzz", "seat_limit": 1},
        ).json()
        token = gateway.request(
            "POST", f"/admin/v1/orgs/{org['id']}/scim-tokens", headers=ADMIN_HEADERS
        ).json()["token"]
        scim = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        user = gateway.request(
            "POST",
            "/scim/v2/Users",
            headers=scim,
            json_body={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@example.com",
                "emails": [{"value": "ada@example.com", "primary": True}],
            },
        ).json()
        group = gateway.request(
            "POST",
            "/scim/v2/Groups",
            headers=scim,
            json_body={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineers",
                "members": [{"value": user["id"]}],
            },
        ).json()
        client = gateway.request(
            "POST",
            f"/admin/v1/orgs/{org['id']}/clients",
            headers=ADMIN_HEADERS,
            json_body={"name": "product"},
        ).json()
        yield Target(
            gateway,
            org["id"],
            scim,
            user["id"],
            group["id"],
            basic(client["client_id"], client["client_secret"]),
        )
    finally:
        gateway.close()
