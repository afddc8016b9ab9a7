"""Product access tokens: who gets one, what it says, and what introspection answers later.

A token is a short-lived ES256 JWT about one member of one organization. Its seat claims are a
snapshot; introspection (RFC 7662) answers from the member's current state, so a product can see
a promotion, a deactivation or a deletion before the token expires.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import jws
from auth.clients import ProductClient, get_client
from auth.keys import KeyRing, SigningKey
from seats.clock import utcnow
from seats.errors import DomainError, NotFound
from seats.members import find_member
from seats.model import Member, SeatStatus
from seats.orgs import get_org


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str
    lifetime_seconds: int = 900
    # A new key is published this long before it signs (see auth/keys.py).
    publish_delay_seconds: float = 60.0
    key_refresh_seconds: float = 30.0
    # Failed product-client authentications within the window that start a growing backoff
    # (auth/client_auth.py): for one client id at one remote address, and for one address.
    client_failures_per_window: int = 10
    address_failures_per_window: int = 100
    failure_window_seconds: float = 900.0
    first_failure_backoff_seconds: float = 5.0
    max_failure_backoff_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.lifetime_seconds <= 0:
            raise ValueError("the token lifetime must be a positive number of seconds")
        if self.key_refresh_seconds > self.publish_delay_seconds:
            raise ValueError("keys must be re-read more often than the key publish delay")


@dataclass(frozen=True)
class MemberRef:
    """Which member a token is asked for: exactly one of the three identifiers is set."""

    org_id: str
    user_name: str | None = None
    user_id: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class IssuedAccessToken:
    access_token: str
    expires_in: int
    seat_status: SeatStatus


class OrgNotAllowed(DomainError):
    code = "org_not_allowed"


class OrgNotFound(NotFound):
    code = "org_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class MemberInactive(DomainError):
    code = "member_inactive"


async def issue_token(
    conn: AsyncConnection,
    key: SigningKey,
    settings: TokenSettings,
    client: ProductClient,
    ref: MemberRef,
) -> IssuedAccessToken:
    """Sign a token for the member `ref` names, on behalf of `client`.

    A client of one organization asking about another gets OrgNotAllowed before any lookup, so
    the answer reveals nothing about the other organization or its members.
    """
    if not client.may_act_for(ref.org_id):
        raise OrgNotAllowed("this client may only ask for tokens for its own organization")
    member = await find_member(
        conn, ref.org_id, user_name=ref.user_name, user_id=ref.user_id, external_id=ref.external_id
    )
    if member is None:
        # Only now tell an unknown org from an unknown member: a found member implies the org.
        try:
            await get_org(conn, ref.org_id)
        except NotFound:
            raise OrgNotFound(f"organization {ref.org_id} does not exist") from None
        raise MemberNotFound("no member of this organization matches")
    if not is_current(member):
        raise MemberInactive("this member is deactivated: no token is issued")
    claims = claims_for(member, settings=settings, client_id=client.id, now=utcnow())
    return IssuedAccessToken(
        access_token=jws.sign(claims, key.private_key, key.kid),
        expires_in=settings.lifetime_seconds,
        seat_status=member.seat_status,
    )


def claims_for(
    member: Member, *, settings: TokenSettings, client_id: str, now: datetime
) -> dict[str, Any]:
    """The token's claims; docs/tokens.md explains each one to product developers."""
    issued_at = int(now.timestamp())
    return {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": member.id,
        "azp": client_id,
        "org_id": member.org_id,
        "user_name": member.user_name,
        "email": member.email,
        "seat_status": member.seat_status.value,
        "seat_over_limit": member.seat_status is SeatStatus.OVER_LIMIT,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + settings.lifetime_seconds,
        "jti": uuid.uuid4().hex,
    }


def _inactive() -> dict[str, Any]:
    return {"active": False}


def is_current(member: Member) -> bool:
    """May this member hold a token? Deactivated members (or SCIM active=false) may not."""
    return member.active and member.seat_status is not SeatStatus.DEACTIVATED


async def verified_claims(
    keys: KeyRing, settings: TokenSettings, token: str
) -> dict[str, Any] | None:
    """The claims of a token this gateway signed and that is valid now, or None."""
    try:
        key = await keys.public_key(jws.unverified_kid(token))
        if key is None:
            return None
        return jws.verify(token, key, issuer=settings.issuer, audience=settings.audience)
    except jws.TokenRejected:
        return None


async def introspect(
    conn: AsyncConnection, client: ProductClient, claims: dict[str, Any] | None
) -> dict[str, Any]:
    """RFC 7662 §2.2 response for already-verified `claims` (None: not a valid token).

    Anything a client may not see answers `{"active": false}` and nothing more (§2.2), including
    a token about another organization.
    """
    if claims is None or not client.may_act_for(str(claims.get("org_id"))):
        return _inactive()
    issuer_client = await get_client(conn, str(claims.get("azp")))
    if issuer_client is None or issuer_client.revoked_at is not None:
        return _inactive()
    member = await find_member(conn, claims["org_id"], user_id=claims["sub"])
    if member is None or not is_current(member):
        return _inactive()
    return {
        "active": True,
        "token_type": "Bearer",
        "client_id": claims["azp"],
        "username": member.user_name,
        **{name: claims[name] for name in ("iss", "aud", "sub", "org_id", "iat", "nbf", "exp")},
        "jti": claims["jti"],
        "user_name": member.user_name,
        "email": member.email,
        "seat_status": member.seat_status.value,
        "seat_over_limit": member.seat_status is SeatStatus.OVER_LIMIT,
        "issued_seat_status": claims.get("seat_status"),
    }
