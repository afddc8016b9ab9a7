"""Groups (SCIM Groups, RFC 7643 §4.2): create, read, list, change and delete, with membership
changes applied as set operations (seats/group_members.py).

Groups carry no seat rule: only members take seats, and belonging to a group changes nothing
about a seat. A group's displayName is unique per organization, case-insensitively, as users'
userName is. Every change bumps the group's version (its SCIM ETag, RFC 7644 §3.14) once,
whatever number of steps it has; the group row is locked for the change (SELECT ... FOR UPDATE
on PostgreSQL, the single writer on SQLite) so concurrent changes of one group queue.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from seats import event_log, group_members
from seats.clock import new_id, utcnow
from seats.errors import Conflict, NotFound, VersionMismatch
from seats.events import (
    GroupCreated,
    GroupDeleted,
    GroupMembersAdded,
    GroupMembersRemoved,
    GroupUpdated,
)
from seats.group_members import NO_DISPLAYS
from seats.identifiers import fold
from seats.model import Group, GroupDraft
from seats.storage import group_store


class MembershipAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    REMOVE_ALL = "remove_all"
    REPLACE = "replace"


@dataclass(frozen=True)
class MembershipChange:
    action: MembershipAction
    member_ids: tuple[str, ...] = ()
    # The display names the client sent with the members that join, by member id.
    displays: Mapping[str, str] = field(default_factory=dict)
    # Joining ids that name no user or group are left out instead of refused (a SCIM PATCH).
    skip_unknown: bool = False


async def get_group(conn: AsyncConnection, org_id: str, group_id: str) -> Group:
    return await _read(conn, org_id, group_id, lock=False)


async def lock_group(conn: AsyncConnection, org_id: str, group_id: str) -> Group:
    """Read a group and hold its row until the transaction ends (read-modify-write callers)."""
    return await _read(conn, org_id, group_id, lock=True)


async def create_group(
    conn: AsyncConnection,
    org_id: str,
    draft: GroupDraft,
    member_ids: Sequence[str] = (),
    displays: Mapping[str, str] = NO_DISPLAYS,
) -> Group:
    await _check_display_name_free(conn, org_id, draft.display_name)
    try:
        group = await group_store.insert_group(conn, org_id, new_id(), draft, now=utcnow())
    except group_store.DisplayNameTaken:
        raise _display_name_taken(draft.display_name) from None
    event_log.record(conn, GroupCreated(org_id, group))
    added, _ = await group_members.add(conn, org_id, group.id, member_ids, displays)
    _record_membership(conn, org_id, group.id, MembershipDelta(added=dict.fromkeys(added)))
    return replace(group, member_count=len(added))


@dataclass(frozen=True)
class GroupChange:
    """A group as a change left it, and the unknown member ids the change skipped."""

    group: Group
    skipped_member_ids: tuple[str, ...] = ()


async def update_group(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    *,
    draft: GroupDraft | None = None,
    membership: Sequence[MembershipChange] = (),
    if_version: int | None = None,
) -> Group:
    """Apply a change (change_group) and return the group as it left it."""
    change = await change_group(
        conn, org_id, group_id, draft=draft, membership=membership, if_version=if_version
    )
    return change.group


async def change_group(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    *,
    draft: GroupDraft | None = None,
    membership: Sequence[MembershipChange] = (),
    if_version: int | None = None,
    locked: Group | None = None,
) -> GroupChange:
    """Apply a change (a PUT or a PATCH, RFC 7644 §3.5): new attributes and membership steps.

    Steps apply in order, so "add x" then "remove x" leaves x out, as RFC 7644 §3.5.2 applies
    PATCH operations in sequence. The version moves only if something changed. `locked`: the
    group as the caller read it with `lock_group` in this transaction (not read again).
    """
    before = locked if locked is not None else await lock_group(conn, org_id, group_id)
    _check_version(before, if_version)
    after = before
    renamed = False
    if draft is not None and draft != _as_draft(before):
        rekeyed = fold(draft.display_name) != fold(before.display_name)
        if rekeyed:
            await _check_display_name_free(conn, org_id, draft.display_name)
        try:
            await group_store.update_attributes(conn, group_id, draft, rekey=rekeyed)
        except group_store.DisplayNameTaken:
            raise _display_name_taken(draft.display_name) from None
        after = replace(
            before,
            display_name=draft.display_name,
            external_id=draft.external_id,
            resource=draft.resource,
        )
        renamed = True
    delta = MembershipDelta()
    for step in membership:
        delta.apply(*await _apply(conn, org_id, group_id, step))
    skipped = tuple(delta.skipped)
    if not renamed and not delta:
        return GroupChange(before, skipped)
    now = utcnow()
    member_count = await group_store.bump_version(conn, group_id, now=now)
    # The row as just written, without reading it back.
    after = replace(after, version=before.version + 1, updated_at=now, member_count=member_count)
    if renamed:
        event_log.record(conn, GroupUpdated(org_id, after))
    _record_membership(conn, org_id, group_id, delta)
    return GroupChange(after, skipped)


async def replace_group(
    conn: AsyncConnection,
    org_id: str,
    group_id: str,
    draft: GroupDraft,
    member_ids: Sequence[str],
    displays: Mapping[str, str] = NO_DISPLAYS,
    *,
    if_version: int | None = None,
) -> Group:
    """A full replacement (RFC 7644 §3.5.1): the attributes and exactly these members."""
    change = MembershipChange(MembershipAction.REPLACE, tuple(member_ids), displays)
    return await update_group(
        conn, org_id, group_id, draft=draft, membership=[change], if_version=if_version
    )


async def add_members(
    conn: AsyncConnection, org_id: str, group_id: str, member_ids: Sequence[str]
) -> Group:
    change = MembershipChange(MembershipAction.ADD, tuple(member_ids))
    return await update_group(conn, org_id, group_id, membership=[change])


async def remove_members(
    conn: AsyncConnection, org_id: str, group_id: str, member_ids: Sequence[str]
) -> Group:
    change = MembershipChange(MembershipAction.REMOVE, tuple(member_ids))
    return await update_group(conn, org_id, group_id, membership=[change])


async def replace_members(
    conn: AsyncConnection, org_id: str, group_id: str, member_ids: Sequence[str]
) -> Group:
    change = MembershipChange(MembershipAction.REPLACE, tuple(member_ids))
    return await update_group(conn, org_id, group_id, membership=[change])


async def rename_group(
    conn: AsyncConnection, org_id: str, group_id: str, display_name: str
) -> Group:
    before = await lock_group(conn, org_id, group_id)
    draft = GroupDraft(display_name, before.external_id, before.resource)
    return await update_group(conn, org_id, group_id, draft=draft)


async def delete_group(
    conn: AsyncConnection, org_id: str, group_id: str, *, if_version: int | None = None
) -> None:
    before = await lock_group(conn, org_id, group_id)
    _check_version(before, if_version)
    # A group nested in others leaves them, and they change (their ETags move).
    await group_members.remove_from_all_groups(conn, org_id, group_id)
    await group_members.remove_all(conn, org_id, group_id)
    await group_store.delete_group(conn, group_id)
    # A consumer drops the group and its memberships together: no removal event per member.
    event_log.record(conn, GroupDeleted(org_id, before))


@dataclass
class MembershipDelta:
    """The net change of a group's members over the steps of one change: an id added and
    removed again (or the other way round) is in neither."""

    added: dict[str, None] = field(default_factory=dict)
    removed: dict[str, None] = field(default_factory=dict)
    # Unknown ids left out of the steps that tolerate them (a SCIM PATCH).
    skipped: dict[str, None] = field(default_factory=dict)

    def apply(self, added: list[str], removed: list[str], skipped: list[str]) -> None:
        self.skipped.update(dict.fromkeys(skipped))
        for member_id in removed:
            if member_id in self.added:
                del self.added[member_id]
            else:
                self.removed[member_id] = None
        for member_id in added:
            if member_id in self.removed:
                del self.removed[member_id]
            else:
                self.added[member_id] = None

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


# A membership event names at most this many ids; a bigger change is several events.
MEMBERSHIP_EVENT_IDS = 1000


def _record_membership(
    conn: AsyncConnection, org_id: str, group_id: str, delta: MembershipDelta
) -> None:
    for kind, ids in (
        (GroupMembersRemoved, list(delta.removed)),
        (GroupMembersAdded, list(delta.added)),
    ):
        for start in range(0, len(ids), MEMBERSHIP_EVENT_IDS):
            chunk = tuple(ids[start : start + MEMBERSHIP_EVENT_IDS])
            event_log.record(conn, kind(org_id, group_id, chunk))


async def _apply(
    conn: AsyncConnection, org_id: str, group_id: str, step: MembershipChange
) -> tuple[list[str], list[str], list[str]]:
    """Apply one step: (ids added, ids removed, unknown ids skipped)."""
    if step.action is MembershipAction.ADD:
        added, skipped = await group_members.add(
            conn, org_id, group_id, step.member_ids, step.displays, skip_unknown=step.skip_unknown
        )
        return added, [], skipped
    if step.action is MembershipAction.REMOVE:
        return [], await group_members.remove(conn, org_id, group_id, step.member_ids), []
    if step.action is MembershipAction.REMOVE_ALL:
        return [], await group_members.remove_all(conn, org_id, group_id), []
    return await group_members.replace(
        conn, org_id, group_id, step.member_ids, step.displays, skip_unknown=step.skip_unknown
    )


async def _read(conn: AsyncConnection, org_id: str, group_id: str, *, lock: bool) -> Group:
    group = await group_store.group_by_id(conn, org_id, group_id, lock=lock)
    if group is None:
        # Another org's group is "not found" too: ids never leak across tenants.
        raise NotFound(f"group {group_id} not found")
    return group


def _check_version(group: Group, if_version: int | None) -> None:
    if if_version is not None and if_version != group.version:
        raise VersionMismatch(
            f"group {group.id} is at version {group.version}, not {if_version}",
            current=group.version,
        )


async def _check_display_name_free(conn: AsyncConnection, org_id: str, display_name: str) -> None:
    if await group_store.display_name_taken(conn, org_id, display_name):
        raise _display_name_taken(display_name)


def _display_name_taken(display_name: str) -> Conflict:
    return Conflict(f"a group named {display_name!r} already exists in this organization")


def _as_draft(group: Group) -> GroupDraft:
    return GroupDraft(group.display_name, group.external_id, group.resource)
