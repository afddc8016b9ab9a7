"""auth's records: a product client, a SCIM token as listed, a signing key, a console session.

They are what auth's storage modules return and what the rest of auth (and the gateway) reads;
they live apart from both so that neither imports the other.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from auth import jws


@dataclass(frozen=True)
class ProductClient:
    id: str
    org_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None

    def may_act_for(self, org_id: str) -> bool:
        return self.org_id is None or self.org_id == org_id


@dataclass(frozen=True)
class LiveToken:
    """A live SCIM token's identity: its id and the organization it belongs to."""

    id: str
    org_id: str


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None
    expires_at: datetime | None

    @cached_property
    def verification_key(self) -> jws.VerificationKey:
        return jws.VerificationKey(self.public_jwk)

    def signs_at(self, now: datetime) -> bool:
        return self.retired_at is None or self.retired_at > now

    def published_at(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


class ConsoleRole(StrEnum):
    """What a console user may change; both roles see every page of their org."""

    # Members, seat assignment, invites and the identity-provider connection.
    ADMIN = "admin"
    # The seat quantity and the Stripe subscription.
    BILLING = "billing"


@dataclass(frozen=True)
class ConsoleSession:
    id: str
    org_id: str
    email: str
    role: str
    created_at: datetime

    @property
    def actor(self) -> str:
        """How the audit trail and the events name this person."""
        return f"console:{self.email}"
