"""The token client: `POST /auth/v1/tokens` (a token about a member, at sign-in) and
`POST /auth/v1/introspect` (a token's member as of now), with the product client's Basic
credentials."""

from dataclasses import dataclass
from typing import Any

from seatgate_sdk._http import Api, AsyncApi


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    token_type: str
    expires_in: int
    seat_status: str

    @property
    def seat_over_limit(self) -> bool:
        return self.seat_status == "over_limit"


def _token_request(
    org_id: str, user_name: str | None, user_id: str | None, external_id: str | None
) -> dict[str, str]:
    named = {
        name: value
        for name, value in (
            ("user_name", user_name),
            ("user_id", user_id),
            ("external_id", external_id),
        )
        if value is not None
    }
    if len(named) != 1:
        raise ValueError("name the member by exactly one of user_name, user_id, external_id")
    return {"org_id": org_id, **named}


def _issued(body: dict[str, Any]) -> IssuedToken:
    return IssuedToken(
        access_token=body["access_token"],
        token_type=body["token_type"],
        expires_in=int(body["expires_in"]),
        seat_status=body["seat_status"],
    )


class AsyncTokenClient(AsyncApi):
    async def issue(
        self,
        org_id: str,
        *,
        user_name: str | None = None,
        user_id: str | None = None,
        external_id: str | None = None,
    ) -> IssuedToken:
        """A token about one member, named by exactly one of user_name (the SCIM userName,
        case-insensitive), user_id (seatgate's id) or external_id (the IdP's id). An inactive
        member is SeatgateError 403 `member_inactive`, an unknown one 404."""
        body = _token_request(org_id, user_name, user_id, external_id)
        return _issued(await self._post("/auth/v1/tokens", body))

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662 (form-encoded): `{"active": false}`, or the member's current seat status."""
        return await self._post("/auth/v1/introspect", {"token": token}, form=True)


class TokenClient(Api):
    """The blocking twin of AsyncTokenClient."""

    def issue(
        self,
        org_id: str,
        *,
        user_name: str | None = None,
        user_id: str | None = None,
        external_id: str | None = None,
    ) -> IssuedToken:
        body = _token_request(org_id, user_name, user_id, external_id)
        return _issued(self._post("/auth/v1/tokens", body))

    def introspect(self, token: str) -> dict[str, Any]:
        return self._post("/auth/v1/introspect", {"token": token}, form=True)
