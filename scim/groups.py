"""The SCIM Group operations (RFC 7644 §3.3-§3.6, §3.4.3): each an `Operation` of
scim/protocol.py, listed in `OPERATIONS` for the router and for /Bulk.

Membership is never loaded unless the response shows it: `excludedAttributes=members` (how
Okta and Entra read groups) or an `attributes` list without members skips the read, so GET,
and PATCH with such a selection, cost the same for a group of 10 or 100,000 members. PATCH
answers 200 with the group (RFC 7644 §3.5.2 allows 204; identity providers read the body),
honouring `attributes`/`excludedAttributes`: without them the whole membership is returned.
Every write runs in one transaction; domain errors become RFC 7644 errors in scim/errors.py.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from scim2_models import Context
from sqlalchemy.ext.asyncio import AsyncConnection

from scim import group_mapping as mapping
from scim.group_listing import list_groups, search_groups
from scim.group_patch import parse_patch, plan_patch
from scim.normalizations import Quirk
from scim.protocol import Route, ScimContext, ScimRequest, ScimResponse
from scim.responses import (
    if_match_version,
    no_content,
    not_modified,
    not_modified_response,
    resource_response,
)
from seats import groups
from seats.model import Group, MemberRef
from seats.storage import membership_store


async def create_group(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """POST /Groups (RFC 7644 §3.3): 201 with the group and its Location."""
    selection = mapping.response_parameters(request.query)
    parsed = mapping.parse_group(request.body, Context.RESOURCE_CREATION_REQUEST)
    entries = parsed.entries
    async with context.database.transaction() as conn:
        group = await groups.create_group(
            conn, context.org_id, parsed.draft, entries.ids, entries.displays
        )
        refs = await _members_if_shown(conn, context, group, selection)
    response = _respond(201, group, refs, context, selection, created=True)
    return replace(response, normalized=parsed.normalized)


async def get_group(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """GET /Groups/{id} (RFC 7644 §3.4.1); If-None-Match on the current version is a 304."""
    selection = mapping.response_parameters(request.query)
    async with context.database.read() as conn:
        group = await groups.get_group(conn, context.org_id, request.params["id"])
        if not_modified(request, group.version):
            return not_modified_response(group.version)
        refs = await _members_if_shown(conn, context, group, selection)
    return _respond(200, group, refs, context, selection)


async def replace_group(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """PUT /Groups/{id} (RFC 7644 §3.5.1): the attributes and exactly the members sent.

    The membership is diffed against the stored ids, so only the difference is written.
    """
    selection = mapping.response_parameters(request.query)
    parsed = mapping.parse_group(request.body, Context.RESOURCE_REPLACEMENT_REQUEST)
    async with context.database.transaction() as conn:
        group = await groups.replace_group(
            conn,
            context.org_id,
            request.params["id"],
            parsed.draft,
            parsed.entries.ids,
            parsed.entries.displays,
            if_version=if_match_version(request),
        )
        refs = await _members_if_shown(conn, context, group, selection)
    response = _respond(200, group, refs, context, selection)
    return replace(response, normalized=parsed.normalized)


async def patch_group(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """PATCH /Groups/{id} (RFC 7644 §3.5.2): attribute operations through scim2-models,
    membership operations as set operations in SQL (scim/group_patch.py)."""
    selection = mapping.response_parameters(request.query)
    patch = parse_patch(request.body)
    group_id = request.params["id"]
    async with context.database.transaction() as conn:
        # Locked first: the attributes are patched from this state, so no concurrent change
        # can slip in between the read and the write (a lost update).
        before = await groups.lock_group(conn, context.org_id, group_id)

        async def load_members() -> Sequence[MemberRef]:
            found = await membership_store.members_of(conn, context.org_id, [group_id])
            return found[group_id]

        plan = await plan_patch(patch, load_members)
        draft = None
        # Only attribute operations need the group as a model (members never are in it).
        if plan.attribute_operations:
            resource = mapping.to_resource(before, context.settings.base_url)
            if plan.apply_attributes(resource):
                draft = mapping.draft_from_resource(resource)
        change = await groups.change_group(
            conn,
            context.org_id,
            group_id,
            draft=draft,
            membership=plan.membership,
            if_version=if_match_version(request),
            locked=before,
        )
        refs = await _members_if_shown(
            conn,
            context,
            change.group,
            selection,
            at_most=context.settings.patch_response_max_members,
        )
    normalized = plan.normalized
    normalized[Quirk.UNKNOWN_MEMBERS_SKIPPED] += len(change.skipped_member_ids)
    response = _respond(200, change.group, refs, context, selection)
    return replace(response, normalized=+normalized)


async def delete_group(request: ScimRequest, context: ScimContext) -> ScimResponse:
    """DELETE /Groups/{id} (RFC 7644 §3.6): 204; the group leaves the groups it was in."""
    async with context.database.transaction() as conn:
        await groups.delete_group(
            conn, context.org_id, request.params["id"], if_version=if_match_version(request)
        )
    return no_content()


async def _members_if_shown(
    conn: AsyncConnection,
    context: ScimContext,
    group: Group,
    selection: mapping.Selection,
    *,
    at_most: int | None = None,
) -> list[MemberRef] | None:
    """The members a response carries: None when the selection leaves them out, or when the
    group has more than `at_most` (a PATCH answer: identity providers do not read members
    back, and listing 100,000 of them would cost a PATCH that changed one its whole time)."""
    if not mapping.member_keys(selection):
        return None
    if at_most is not None and group.member_count > at_most:
        return None
    return (await membership_store.members_of(conn, context.org_id, [group.id]))[group.id]


def _respond(
    status: int,
    group: Group,
    refs: list[MemberRef] | None,
    context: ScimContext,
    selection: mapping.Selection,
    *,
    created: bool = False,
) -> ScimResponse:
    base_url = context.settings.base_url
    body: dict[str, Any] = mapping.group_body(group, base_url, members=refs, selection=selection)
    return resource_response(
        status,
        body,
        version=group.version,
        location=mapping.location(group.id, base_url) if created else None,
    )


OPERATIONS: list[Route] = [
    ("POST", "/Groups", create_group),
    ("GET", "/Groups", list_groups),
    ("POST", "/Groups/.search", search_groups),
    ("GET", "/Groups/{id}", get_group),
    ("PUT", "/Groups/{id}", replace_group),
    ("PATCH", "/Groups/{id}", patch_group),
    ("DELETE", "/Groups/{id}", delete_group),
]
