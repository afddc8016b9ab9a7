"""The SCIM resources seatgate serves, described once with scim2-models (RFC 7643).

- `UserResource` = `User[EnterpriseUser | SeatUser]`: the core User (RFC 7643 §4.1), the
  enterprise extension (§4.3) and seatgate's read-only seat extension.
- `GroupResource` = the core Group (RFC 7643 §4.2), used by scim/groups.py.
- `provider(settings)`: the `ScimProvider` whose schemas, resource types and
  ServiceProviderConfig the discovery endpoints publish (RFC 7644 §4), and whose `ScimPolicy`
  carries the identity-provider tolerances. Built once per settings and cached: pydantic
  models and the provider are not rebuilt per request.
"""

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar

import scim2_models as sm
from pydantic import Field, model_validator
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Extension,
    Filter,
    Group,
    Mutability,
    Pagination,
    Patch,
    Reference,
    Required,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
)

from scim.protocol import ScimSettings

SEAT_SCHEMA = "urn:seatgate:params:scim:schemas:extension:seat:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = str(sm.User.__schema__)
GROUP_SCHEMA = str(Group.__schema__)
DEFAULT_PAGE_SIZE = 100
CURSOR_TIMEOUT_SECONDS = 3600


class Manager(sm.Manager):
    """The enterprise `manager`, also accepted as a bare id, `$ref` optional.

    Microsoft Entra sends the manager as the id alone:
    `{"op": "Add", "path": "urn:...:enterprise:2.0:User:manager", "value": "<id>"}`
    ("Tutorial: Develop and plan provisioning for a SCIM endpoint", request examples), and
    neither Entra nor Okta sends `$ref`, which RFC 7643 §4.3 marks required: the id names the
    manager well enough, so `$ref` is not demanded.
    """

    ref: Annotated[Reference[Any] | None, Required.false] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"value": value}
        return value


class Email(sm.Email):
    """An email address, as the identity provider spells it."""

    # RFC 7643 §4.1.2 says emails SHOULD follow RFC 5321; scim2-models' EmailStr also refuses
    # special-use domains, and directories are full of them: Okta's own examples use
    # "@okta.local", on-premises AD UPN suffixes are often ".local". Refusing them would stop
    # provisioning for whole organizations, so the value is kept as sent.
    value: str | None = None
    """Email addresses for the user."""


class User(sm.User):  # type: ignore[type-arg]
    """User Account (RFC 7643 §4.1)."""

    emails: list[Email] | None = None
    """Email addresses for the user."""

    Emails: ClassVar[type[sm.ComplexAttribute]] = Email


class EnterpriseUser(sm.EnterpriseUser):
    """RFC 7643 §4.3, with the tolerant `manager` above."""

    __schema__ = URN(ENTERPRISE_SCHEMA)

    manager: Manager | None = None


# SCIM `active` stays what the identity provider said; the seat decision lives in this
# extension so IdPs never fight the gateway over `active`. Both attributes are readOnly
# (RFC 7643 §7): values sent on POST/PUT are ignored (RFC 7644 §3.5.1), a PATCH naming them
# is refused with `mutability` (RFC 7644 §3.5.2).
class SeatUser(Extension):
    """The seat seatgate gives a user (read-only)."""

    __schema__ = URN(SEAT_SCHEMA)

    seat_status: Annotated[str | None, Mutability.read_only] = None
    """active, over_limit, pending_invite or deactivated."""

    over_limit_since: Annotated[datetime | None, Mutability.read_only] = None
    """When the member started waiting for a seat; absent unless over_limit."""


UserResource: type[User[Any]] = User[EnterpriseUser | SeatUser]  # type: ignore[misc]
GroupResource = Group

USER_RESOURCE_TYPE = ResourceType.from_resource(UserResource)
GROUP_RESOURCE_TYPE = ResourceType.from_resource(GroupResource)

# How much the payloads of identity providers may depart from RFC 7643/7644. Tolerances that
# need no setting: capitalised PATCH ops (Entra: "Add"/"Replace"/"Remove"; scim2-models folds
# `op`), "True"/"False" strings for booleans (Entra without aadOptscim062020; pydantic's lax
# bool parsing), path-less PATCH values keyed by attribute paths such as "name.givenName" or
# "urn:...:enterprise:2.0:User:department" (Entra with aadOptscim062020; scim2-models' PATCH).
POLICY = ScimPolicy(
    # IdP admins can map attributes this service does not declare (Okta custom profile
    # attributes, Entra directory extensions). They are dropped, not refused: one mapping
    # mistake must not stop provisioning for every user. Unknown URNs in `schemas` are still
    # refused (scim/user_mapping.py), since a wrong schema means a wrong endpoint or resource.
    unknown=ScimPolicy.Unknown.ignore,
    # Entra removes multi-valued entries by value:
    # {"op": "Remove", "path": "members", "value": [{"value": "<id>"}]} (Entra "Known issues").
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    # Entra adds an entry through a filter that matches nothing yet, e.g.
    # {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "..."}
    # ("Tutorial: Develop and plan provisioning for a SCIM endpoint").
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def service_provider_config(settings: ScimSettings) -> ServiceProviderConfig:
    """RFC 7643 §5, saying exactly what this server does (RFC 9865 §4 for pagination)."""
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(
            supported=True,
            max_operations=settings.max_bulk_operations,
            max_payload_size=settings.max_body_bytes,
        ),
        filter=Filter(supported=True, max_results=settings.max_filter_results),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="OAuth Bearer Token",
                description="A SCIM token issued per organization by the seatgate admin API",
                spec_uri="https://www.rfc-editor.org/rfc/rfc6750",
                primary=True,
            )
        ],
        pagination=Pagination(
            cursor=True,
            index=True,
            default_pagination_method=Pagination.DefaultPaginationMethod.index,
            default_page_size=min(DEFAULT_PAGE_SIZE, settings.max_filter_results),
            max_page_size=settings.max_filter_results,
            cursor_timeout=CURSOR_TIMEOUT_SECONDS,
        ),
        meta=sm.Meta(resource_type="ServiceProviderConfig"),
    )


@lru_cache(maxsize=8)
def provider(settings: ScimSettings) -> ScimProvider:
    return ScimProvider(
        models=[User, EnterpriseUser, SeatUser, Group],
        resource_types=[USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE],
        config=service_provider_config(settings),
        policy=POLICY,
    )
