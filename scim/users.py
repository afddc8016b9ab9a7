"""SCIM /Users operations (RFC 7644 §3.3-§3.6), each `(ScimRequest, ScimContext) -> ScimResponse`.

Every write goes through seats.members, which decides the seat (over-limit members are still
created: 201). Single-resource responses carry `ETag` = meta.version (RFC 7644 §3.14);
`If-Match` is passed to the service as `if_version`, `If-None-Match` makes GET answer 304.
`groups` (read-only, derived from group membership) is returned on a single GET, and in lists
only when `attributes` asks for it, to keep list queries at one round trip.
"""

import functools
import json
from dataclasses import replace
from typing import Any

from scim2_models import (
    Context,
    Extension,
    Mutability,
    MutabilityException,
    PatchOp,
    ResponseParameters,
)

from scim import paging, user_mapping
from scim.booleans import check_patch_booleans
from scim.filtering import user_filter, user_sort
from scim.normalizations import Normalized, Quirk, user_patch_quirks
from scim.protocol import ScimContext, ScimRequest, ScimResponse
from scim.responses import (
    if_match_version,
    list_body,
    list_response,
    no_content,
    not_modified,
    not_modified_response,
    resource_response,
)
from scim.schemas import POLICY, UserResource
from seats import deprovision_guard, members
from seats.model import Member, MemberDraft
from seats.storage import member_queries, member_store

USER_PATCH: Any = PatchOp[UserResource]
USER_PARAMS: Any = ResponseParameters[UserResource]
# PATCH bodies up to this long (as compact JSON) are validated once and kept (patch_op).
CACHED_PATCH_CHARS = 2048


def response_params(request: ScimRequest) -> ResponseParameters[Any] | None:
    """RFC 7644 §3.9 `attributes` / `excludedAttributes` of a single-resource request."""
    found = {
        name: value
        for key, value in request.query.items()
        if (
            name := {"attributes": "attributes", "excludedattributes": "excludedAttributes"}.get(
                key.lower()
            )
        )
    }
    if not found:
        return None
    return USER_PARAMS.model_validate(found, scim_policy=POLICY)


def patch_op(body: Any) -> Any:
    """The body of a PATCH /Users as scim2-models' PatchOp (RFC 7644 §3.5.2).

    IdPs send the same few bodies to every user (Okta deactivates each one with one body), and
    validating one costs about 80 us: a body is validated once and the PatchOp kept, keyed by
    its JSON. Nothing mutates a PatchOp (`patch()` reads its operations), so requests can share
    one. A body that fails validation is not kept, and long ones are validated each time, so
    the cache stays small.
    """
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    if len(text) > CACHED_PATCH_CHARS:
        return _validated_patch(body)
    return _patch_from_json(text)


@functools.lru_cache(maxsize=128)
def _patch_from_json(text: str) -> Any:
    return _validated_patch(json.loads(text))


def _validated_patch(body: Any) -> Any:
    return USER_PATCH.model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )


def _wants_groups(params: ResponseParameters[Any] | None, *, by_default: bool) -> bool:
    if params is None:
        return by_default
    if params.attributes:
        return any(str(a).lower().endswith("groups") for a in params.attributes)
    excluded = params.excluded_attributes or []
    return by_default and not any(str(a).lower().endswith("groups") for a in excluded)


def _single(
    status: int,
    member: Member,
    context: ScimContext,
    scim_ctx: Context,
    params: ResponseParameters[Any] | None,
    **extra: Any,
) -> ScimResponse:
    body = user_mapping.user_body(member, context.settings, scim_ctx, params=params, **extra)
    # RFC 7644 §3.3: Location on a creation; other answers carry the URI in meta.location.
    location = user_mapping.location(context.settings, member.id) if status == 201 else None
    return resource_response(status, body, version=member.version, location=location)


async def create_user(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /Users (RFC 7644 §3.3): 201 with Location, whatever seat the member got."""
    params = response_params(request)
    user, normalized = user_mapping.user_from_payload(
        request.body, Context.RESOURCE_CREATION_REQUEST
    )
    draft = user_mapping.draft_from_user(user)
    async with context.database.transaction() as conn:
        member = await members.create_member(conn, context.org_id, draft, actor=context.actor)
    response = _single(201, member, context, Context.RESOURCE_CREATION_RESPONSE, params, user=user)
    return replace(response, normalized=normalized)


async def get_user(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """GET /Users/{id} (RFC 7644 §3.4.1); another org's id is as unknown as a random one."""
    params = response_params(request)
    async with context.database.read() as conn:
        member = await members.get_member(conn, context.org_id, request.params["id"], guarded=True)
        if not_modified(request, member.version):
            return not_modified_response(member.version)
        groups = None
        if _wants_groups(params, by_default=True):
            found = await member_store.groups_of_members(conn, context.org_id, [member.id])
            groups = found[member.id]
    return _single(200, member, context, Context.RESOURCE_QUERY_RESPONSE, params, groups=groups)


async def replace_user(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """PUT /Users/{id} (RFC 7644 §3.5.1): read-only values sent back (id, meta, groups, the
    seat extension; Okta sends the whole resource it read) are ignored."""
    params = response_params(request)
    user, normalized = user_mapping.user_from_payload(
        request.body, Context.RESOURCE_REPLACEMENT_REQUEST
    )
    draft = user_mapping.draft_from_user(user)
    async with context.database.transaction() as conn:
        # Only a PUT that deactivates reads the member first: Okta deactivates this way.
        was_active = (
            not draft.active
            and (await members.get_member(conn, context.org_id, request.params["id"])).active
        )
        member = await members.replace_member(
            conn,
            context.org_id,
            request.params["id"],
            draft,
            actor=context.actor,
            if_version=if_match_version(request),
            guard=context.settings.deprovision_guard,
        )
    if was_active and not member.active:
        normalized[Quirk.OKTA_PUT_DEACTIVATION] += 1
    response = _single(
        200, member, context, Context.RESOURCE_REPLACEMENT_RESPONSE, params, user=user
    )
    return replace(response, normalized=normalized)


async def patch_user(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """PATCH /Users/{id} (RFC 7644 §3.5.2): scim2-models applies the operations to the stored
    resource, then the result is written like a PUT. A patch that changes nothing writes
    nothing. Answers 200 with the resource."""
    params = response_params(request)
    normalized = Normalized({Quirk.ENTRA_STRING_BOOLEANS: check_patch_booleans(request.body)})
    patch = patch_op(request.body)
    refuse_read_only_extensions(patch)
    normalized.update(user_patch_quirks(patch.operations or []))

    # The patched model, when the patch changed something: the member's resource is written
    # from it, so the answer is built from that JSON (user_mapping.user_body).
    written: list[Any] = []

    def patched(member: Member) -> MemberDraft | None:
        user = user_mapping.user_from_member(member)
        if not patch.patch(user, scim_policy=POLICY):
            return None
        written.append(user)
        return user_mapping.draft_from_user(user)

    async with context.database.transaction() as conn:
        member = await members.patch_member(
            conn,
            context.org_id,
            request.params["id"],
            patched,
            actor=context.actor,
            if_version=if_match_version(request),
            guard=context.settings.deprovision_guard,
        )
    user = written[-1] if written else None
    response = _single(200, member, context, Context.RESOURCE_PATCH_RESPONSE, params, user=user)
    return replace(response, normalized=+normalized)


def refuse_read_only_extensions(patch: Any) -> None:
    """RFC 7644 §3.5.2: an operation on an extension whose every attribute is readOnly (the
    seat extension) is 400 `mutability`, like one on its attributes.

    scim2-models refuses the attributes (`...:seatStatus`) and add/replace of the extension's
    root, but lets a remove of the root through; the stored member has no such value to lose,
    so it would answer 200 having changed nothing. Paths only: a path-less value keyed by the
    extension is refused by scim2-models when it is applied.
    """
    for operation in patch.operations or []:
        path = operation.path
        if path is None or path.resolve() is not None or not _read_only_extension(path.model):
            continue
        raise MutabilityException(detail=f"'{path}' is read-only: the server computes it")


def _read_only_extension(model: Any) -> bool:
    if not (isinstance(model, type) and issubclass(model, Extension)):
        return False
    names = [name for name in model.model_fields if name != "schemas"]
    return bool(names) and all(
        model.get_field_annotation(name, Mutability) is Mutability.read_only for name in names
    )


async def delete_user(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """DELETE /Users/{id} (RFC 7644 §3.6): 204; the member's seat is freed by seats."""
    async with context.database.transaction() as conn:
        await members.delete_member(
            conn,
            context.org_id,
            request.params["id"],
            actor=context.actor,
            if_version=if_match_version(request),
            guard=context.settings.deprovision_guard,
        )
    return no_content()


async def list_users(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """GET /Users (RFC 7644 §3.4.2): filter, sort and page in the database."""
    search = paging.search_from_query(request.query, UserResource)
    return await _query(search, context, Context.RESOURCE_QUERY_RESPONSE)


async def search_users(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /Users/.search (RFC 7644 §3.4.3): the same query, as a SearchRequest body."""
    search = paging.search_from_body(request.body, UserResource)
    return await _query(search, context, Context.SEARCH_RESPONSE)


async def _query(search: Any, context: ScimContext, scim_ctx: Context) -> ScimResponse:
    page = paging.page_for(search, context.settings.max_filter_results, user_sort)
    condition = user_filter(str(search.filter)) if search.filter is not None else None
    org_id = context.org_id
    async with context.database.read() as conn:
        query = page.query(condition)
        _, rows = await member_queries.list_members(conn, org_id, query, include_held=False)
        total = next_cursor = None
        if page.cursor_mode:
            more, rows = len(rows) > page.limit, rows[: page.limit]
            if more:
                next_cursor = await _next_cursor(conn, page, rows[-1], org_id)
        else:
            total = page.known_total(len(rows))
            if total is None:
                total = await member_queries.count_members(
                    conn, org_id, condition, include_held=False
                )
        # Rows whose deletion is held are not read; one whose deactivation is shows as sent.
        rows = [m for m in await deprovision_guard.members_as_seen_by_idp(conn, rows) if m]
        groups: dict[str, list[tuple[str, str]]] = {}
        if rows and _wants_groups(search, by_default=False):
            groups = await member_store.groups_of_members(conn, org_id, [m.id for m in rows])
    resources = [
        user_mapping.user_body(
            member, context.settings, scim_ctx, params=search, groups=groups.get(member.id)
        )
        for member in rows
    ]
    body = list_body(
        resources, total_results=total, start_index=page.start_index, next_cursor=next_cursor
    )
    return list_response(body)


async def _next_cursor(conn: Any, page: paging.Page, last: Member, org_id: str) -> str:
    value = None
    if page.sort is not None:
        value = await member_queries.member_sort_value(conn, org_id, last.id, page.sort)
    return page.next_cursor(value, last.created_at, last.id)


OPERATIONS = [
    ("POST", "/Users", create_user),
    ("GET", "/Users", list_users),
    ("POST", "/Users/.search", search_users),
    ("GET", "/Users/{id}", get_user),
    ("PUT", "/Users/{id}", replace_user),
    ("PATCH", "/Users/{id}", patch_user),
    ("DELETE", "/Users/{id}", delete_user),
]
