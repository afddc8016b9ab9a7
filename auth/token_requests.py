"""The body of `POST /auth/v1/tokens` and the shape of its answer: the model validates the
request and describes it in /openapi.json (auth/request_bodies.py)."""

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator, with_config
from typing_extensions import TypedDict

from auth.request_bodies import Body, Says
from seats.errors import InvalidValue

MAX_IDENTIFIER_LENGTH = 512
IDENTIFIERS = ("user_name", "user_id", "external_id")
_INVALID = "{name} must be a non-empty string of at most 512 characters without NUL characters"


def _identifier(name: str, description: str) -> object:
    return Annotated[
        Annotated[str, Field(min_length=1, max_length=MAX_IDENTIFIER_LENGTH)] | None,
        Field(description=description),
        Says(_INVALID.format(name=name)),
    ]


class TokenRequest(Body):
    """The member a token is for: their org and exactly one of user_name, user_id,
    external_id."""

    org_id: Annotated[
        str,
        Field(min_length=1, max_length=MAX_IDENTIFIER_LENGTH, description="The member's org."),
        Says(
            _INVALID.format(name="org_id"),
            missing="org_id is required: the member's organization",
        ),
    ]
    user_name: _identifier("user_name", "The member's SCIM userName.") = None  # type: ignore[valid-type]
    user_id: _identifier("user_id", "The member's id (the SCIM User id).") = None  # type: ignore[valid-type]
    external_id: _identifier("external_id", "The member's SCIM externalId.") = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        named = [name for name in IDENTIFIERS if getattr(self, name) is not None]
        if len(named) != 1:
            raise InvalidValue(
                "name the member by exactly one of user_name, user_id, external_id"
                + (f"; got {', '.join(named)}" if named else "")
            )
        return self


@with_config(ConfigDict(extra="forbid"))
class TokenAnswer(TypedDict):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    seat_status: Literal["active", "over_limit", "pending_invite", "deactivated"]


class IntrospectionRequest(Body):
    """RFC 7662 §2.1's form (for the document; the handler reads the form itself): `token`,
    the access token to look at."""

    token: str
