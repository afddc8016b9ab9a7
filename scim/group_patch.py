"""PATCH on a Group (RFC 7644 §3.5.2), with membership changes kept as set operations.

The body is validated by scim2-models (`PatchOp[Group]`: ops, paths, filters, the identity
providers' tolerances of scim/schemas.py). Then each operation is sorted:

- operations on `members` become domain `MembershipChange`s (add, remove, remove all,
  replace), applied in SQL by the group service: the group's membership is never loaded into
  a model, so a PATCH costs in proportion to the members it names, not to the group's size;
- every other operation (displayName, externalId, extensions) is applied by scim2-models to
  the group's attributes, members left out.

A path-less operation whose value carries `members` (`{"op": "add", "value": {"members":
[...]}}`) is split in two. A remove whose filter selects members by something other than
`value` (`members[type eq "Group"]`, which no identity provider sends) is the one case that
reads the membership: it is evaluated by scim2-models against the members as they were when
the PATCH began.

Member ids a PATCH adds (or replaces with) that name no user or group of the org are skipped,
the rest of the operation applying; POST and PUT still refuse them (400 invalidValue).
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    Context,
    GroupMember,
    InvalidPathException,
    PatchOp,
    PatchOperation,
    Path,
)
from scim2_models.path.expressions import CompareOperator, Comparison, LogicalExpr, LogicalOperator

from scim.group_mapping import parse_member_entries
from scim.normalizations import Normalized, Quirk
from scim.schemas import POLICY, GroupResource
from seats.groups import MembershipAction, MembershipChange
from seats.model import MemberRef

Op = PatchOperation.Op
GroupPatch = PatchOp[GroupResource]
GroupOperation = PatchOperation[GroupResource]
LoadMembers = Callable[[], Awaitable[Sequence[MemberRef]]]


@dataclass
class PatchPlan:
    """What a PatchOp does: attribute operations for the model, membership steps for SQL."""

    attribute_operations: list[GroupOperation] = field(default_factory=list)
    membership: list[MembershipChange] = field(default_factory=list)
    # The IdP quirks the operations took (scim/normalizations.py).
    normalized: Normalized = field(default_factory=Normalized)

    def apply_attributes(self, resource: Any) -> bool:
        """Apply the non-member operations to the group's model; True if it changed."""
        patch = GroupPatch.model_construct(operations=self.attribute_operations)
        return patch.patch(resource, scim_policy=POLICY)


def parse_patch(body: Any) -> GroupPatch:
    return GroupPatch.model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )


async def plan_patch(patch: GroupPatch, load_members: LoadMembers) -> PatchPlan:
    plan = PatchPlan()
    for operation in patch.operations or []:
        path = operation.path
        if path is None or path.model is not None:
            _split_root_value(operation, plan)
        elif _is_members(path):
            plan.membership.extend(
                await _membership_changes(operation, path, load_members, plan.normalized)
            )
        else:
            plan.attribute_operations.append(operation)
    return plan


def _is_members(path: Path[Any]) -> bool:
    binding = path.resolve()
    return binding is not None and binding.field_name == "members"


def _split_root_value(operation: GroupOperation, plan: PatchPlan) -> None:
    """A path-less add/replace: its `members` key is a membership step, the rest attributes."""
    value = operation.value
    if not isinstance(value, dict):
        plan.attribute_operations.append(operation)
        return
    key = next((key for key in value if key.lower() == "members"), None)
    if key is None:
        plan.attribute_operations.append(operation)
        return
    entries = parse_member_entries(value[key] or [])
    action = MembershipAction.ADD if operation.op == Op.add else MembershipAction.REPLACE
    plan.membership.append(_joining(action, entries.ids, entries.displays))
    rest = {name: item for name, item in value.items() if name != key}
    if rest:
        plan.attribute_operations.append(
            GroupOperation(op=operation.op, path=operation.path, value=rest)
        )


async def _membership_changes(
    operation: GroupOperation,
    path: Path[Any],
    load_members: LoadMembers,
    normalized: Normalized,
) -> list[MembershipChange]:
    binding = path.resolve()
    if binding is not None and binding.sub_field_name is not None:
        # display, type and $ref are read from the member itself; only ids can be written.
        raise InvalidPathException(
            path=str(path),
            detail="members are changed by value: add, remove or replace whole entries",
        )
    selected = None if path.value_filter is None else _ids_in_filter(path.value_filter)
    if operation.op == Op.remove:
        if path.value_filter is None and operation.value is None:
            return [MembershipChange(MembershipAction.REMOVE_ALL)]
        if path.value_filter is None:
            # Microsoft Entra: {"op": "Remove", "path": "members", "value": [{"value": id}]}
            # removes only the members listed (scim/schemas.py POLICY, remove_value_as_filter).
            ids = parse_member_entries(operation.value).ids
            normalized[Quirk.REMOVE_WITH_VALUE] += 1
            return [MembershipChange(MembershipAction.REMOVE, ids)]
        if selected is None:
            selected = await _evaluate_filter(operation, load_members)
        return [MembershipChange(MembershipAction.REMOVE, tuple(selected))]
    entries = parse_member_entries(operation.value if operation.value is not None else [])
    if path.value_filter is None:
        action = MembershipAction.ADD if operation.op == Op.add else MembershipAction.REPLACE
        return [_joining(action, entries.ids, entries.displays)]
    if selected is None:
        raise InvalidPathException(
            path=str(path),
            detail='select members to add or replace by value: members[value eq "id"]',
        )
    if operation.op == Op.add:
        # Entra adds through a filter that matches nothing yet: the entry the filter names.
        ids = tuple(selected) + entries.ids
        normalized[Quirk.ADD_THROUGH_FILTER] += 1
        return [_joining(MembershipAction.ADD, ids, entries.displays)]
    # Replacing the selected entries: they leave, the value's entries join (§3.5.2.3).
    return [
        MembershipChange(MembershipAction.REMOVE, tuple(selected)),
        _joining(MembershipAction.ADD, entries.ids, entries.displays),
    ]


def _joining(
    action: MembershipAction, ids: tuple[str, ...], displays: Mapping[str, str]
) -> MembershipChange:
    """A step that adds members: ids that name no user or group of the org are skipped and
    the rest joins (scim-sanity's PATCH /Groups check; seats.group_members.skip_unknown_members)."""
    return MembershipChange(action, ids, displays, skip_unknown=True)


def _ids_in_filter(node: Any) -> list[str] | None:
    """The ids a filter names when it is `value eq "id"` joined by `or`; None otherwise."""
    if isinstance(node, Comparison):
        attr = node.attr_path
        if (
            attr.attr.lower() == "value"
            and attr.sub_attr is None
            and node.op == CompareOperator.eq
            and isinstance(node.value, str)
        ):
            return [node.value]
        return None
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.or_:
        ids: list[str] = []
        for term in node.terms:
            found = _ids_in_filter(term)
            if found is None:
                return None
            ids.extend(found)
        return ids
    return None


async def _evaluate_filter(operation: GroupOperation, load_members: LoadMembers) -> list[str]:
    """Let scim2-models decide which members an arbitrary filter removes (reads the group)."""
    refs = await load_members()
    entries = [
        GroupMember.model_construct(value=ref.value, type=ref.type, display=ref.display)
        for ref in refs
    ]
    resource = GroupResource.model_construct(display_name="-", members=entries)
    GroupPatch.model_construct(operations=[operation]).patch(resource, POLICY)
    kept = {entry.value for entry in resource.members or []}
    return [ref.value for ref in refs if ref.value not in kept]
