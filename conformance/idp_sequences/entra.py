"""Microsoft Entra ID's SCIM provisioning requests, replayed as the Entra service sends them.

Sources (Microsoft Learn, public):
- "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
  (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups):
  the create-user body (core and enterprise schemas, `meta.resourceType`, `roles: []`), lookups
  as `filter=userName+eq+"..."`, capitalised ops (`Replace`, `Add`, `Remove`), the group create
  body (with Microsoft's ADSCIM schema URI and `meta`), `excludedAttributes=members` on group
  reads, member `Add` and `Remove` with a value list whose items carry `"$ref": null`; 200 or
  204 accepted for PATCH.
- "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
  provisioning service" (.../application-provisioning-config-problem-scim-compatibility):
  `active` sent as the strings "False"/"True"; path-less `Replace` whose value keys are dotted
  paths and extension URNs; `Add` on `emails[type eq "work"].value` when no work email exists;
  the manager sent as a bare id string; the `?aadOptscim062020` flag on the tenant URL and the
  compliant requests it switches on (lower-case ops, booleans, `members[value eq "..."]`).
- Test Connection queries a userName made of a random GUID and expects an empty ListResponse.
"""

import uuid
from typing import Any
from urllib.parse import quote_plus

from conformance import expect
from conformance.sequence import Run, Sequence

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
AD_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FLAG = "aadOptscim062020"

entra = Sequence("entra")


def query(*flags: str, **params: str) -> str:
    """A query string encoded as Entra sends it: `+` for spaces, bare flags first."""
    return "?" + "&".join([*flags, *(f"{key}={quote_plus(v)}" for key, v in params.items())])


def user_name(run: Run, who: str = "a") -> str:
    return f"entra_{who}_{run.run_id}@conformance.example"


def patch(run: Run, path: str, *operations: dict[str, Any]) -> None:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    expect.status(run.send("PATCH", path, body), 200, 204)


def user(run: Run, key: str = "user_id") -> dict[str, Any]:
    return expect.resource(run.get(f"/Users/{run.need(key)}"))


def group(run: Run, suffix: str = "") -> dict[str, Any]:
    return expect.resource(run.get(f"/Groups/{run.need('group_id')}{suffix}"))


@entra.step("Test Connection: userName eq a random GUID answers an empty ListResponse")
def test_connection(run: Run) -> None:
    response = run.get("/Users" + query(filter=f'userName eq "{uuid.uuid4()}"'))
    expect.equal(expect.listed(response), [], "Resources")
    expect.equal(expect.body(response).get("totalResults"), 0, "totalResults")


@entra.step("create user with the enterprise extension answers 201")
def create_user(run: Run) -> None:
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": str(uuid.uuid4()),
        "userName": user_name(run),
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name(run)}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        "title": "Analyst",
        "roles": [],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Engines"},
    }
    created = expect.resource(run.send("POST", "/Users", body), 201)
    run.track(f"/Users/{created['id']}")
    run.keep("user_id", created["id"])
    expect.equal(created.get("userName"), user_name(run), "userName")
    extension = created.get(ENTERPRISE, {})
    expect.equal(extension.get("employeeNumber"), "701984", "enterprise employeeNumber")
    expect.equal(extension.get("department"), "Engines", "enterprise department")


@entra.step("create a second user without emails (the future manager) answers 201")
def create_manager(run: Run) -> None:
    body = {"schemas": [USER], "userName": user_name(run, "b"), "active": True}
    created = expect.resource(run.send("POST", "/Users", body), 201)
    run.track(f"/Users/{created['id']}")
    run.keep("manager_id", created["id"])


@entra.step('filter userName+eq+"..." finds the user')
def filter_user(run: Run) -> None:
    response = run.get("/Users" + query(filter=f'userName eq "{user_name(run)}"'))
    expect.found_one(response, run.need("user_id"))


@entra.step('PATCH with capitalised ops "Replace", "Add" and "Remove"')
def capitalised_ops(run: Run) -> None:
    patch(
        run,
        f"/Users/{run.need('user_id')}",
        {"op": "Replace", "path": "displayName", "value": "Countess Lovelace"},
        {"op": "Add", "path": "nickName", "value": "Ada"},
        {"op": "Remove", "path": "title"},
    )
    current = user(run)
    expect.equal(current.get("displayName"), "Countess Lovelace", "displayName")
    expect.equal(current.get("nickName"), "Ada", "nickName")
    expect.equal(current.get("title"), None, "title")


@entra.step('PATCH Replace active "False" (a string) deactivates the user')
def active_false_string(run: Run) -> None:
    operation = {"op": "Replace", "path": "active", "value": "False"}
    patch(run, f"/Users/{run.need('user_id')}", operation)
    expect.equal(user(run).get("active"), False, "active")


@entra.step('PATCH Replace active "True" (a string) reactivates the user')
def active_true_string(run: Run) -> None:
    operation = {"op": "Replace", "path": "active", "value": "True"}
    patch(run, f"/Users/{run.need('user_id')}", operation)
    expect.equal(user(run).get("active"), True, "active")


@entra.step("path-less Replace with dotted and extension-URN keys")
def pathless_dotted_keys(run: Run) -> None:
    value = {
        "name.givenName": "Augusta",
        "name.familyName": "King",
        f"{ENTERPRISE}:department": "Analytical Engines",
        f"{ENTERPRISE}:employeeNumber": "1815",
    }
    patch(run, f"/Users/{run.need('user_id')}", {"op": "Replace", "value": value})
    current = user(run)
    expect.equal(current.get("name", {}).get("givenName"), "Augusta", "name.givenName")
    expect.equal(current.get("name", {}).get("familyName"), "King", "name.familyName")
    extension = current.get(ENTERPRISE, {})
    expect.equal(extension.get("department"), "Analytical Engines", "enterprise department")
    expect.equal(extension.get("employeeNumber"), "1815", "enterprise employeeNumber")


@entra.step('Add on emails[type eq "work"].value creates the absent work email')
def add_absent_work_email(run: Run) -> None:
    address = user_name(run, "b")
    operation = {"op": "Add", "path": 'emails[type eq "work"].value', "value": address}
    patch(run, f"/Users/{run.need('manager_id')}", operation)
    emails = user(run, "manager_id").get("emails") or []
    work = [(e.get("type"), e.get("value")) for e in emails]
    expect.equal(work, [("work", address)], "emails (type, value)")


@entra.step("Add manager as a bare id string sets the enterprise manager")
def manager_bare_id(run: Run) -> None:
    manager_id = run.need("manager_id")
    operation = {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager_id}
    patch(run, f"/Users/{run.need('user_id')}", operation)
    manager = user(run).get(ENTERPRISE, {}).get("manager") or {}
    expect.equal(manager.get("value"), manager_id, "enterprise manager.value")


# Groups.


def group_name(run: Run, suffix: str = "") -> str:
    return f"Entra Group {run.run_id}{suffix}"


@entra.step("create group with Microsoft's ADSCIM schema URI answers 201")
def create_group(run: Run) -> None:
    body = {
        "schemas": [GROUP, AD_GROUP],
        "externalId": str(uuid.uuid4()),
        "displayName": group_name(run),
        "meta": {"resourceType": "Group"},
    }
    created = expect.resource(run.send("POST", "/Groups", body), 201)
    run.track(f"/Groups/{created['id']}")
    run.keep("group_id", created["id"])
    expect.equal(created.get("displayName"), group_name(run), "displayName")


@entra.step("PATCH group Add members with a value list")
def add_members(run: Run) -> None:
    ids = {run.need("user_id"), run.need("manager_id")}
    value = [{"$ref": None, "value": member} for member in sorted(ids)]
    patch(run, f"/Groups/{run.need('group_id')}", {"op": "Add", "path": "members", "value": value})
    expect.equal(expect.member_ids(group(run)), ids, "member ids")
    run.keep("members_added", True)


@entra.step("GET group with excludedAttributes=members leaves members out")
def get_group_without_members(run: Run) -> None:
    run.need("members_added")
    current = group(run, query(excludedAttributes="members"))
    expect.equal(current.get("displayName"), group_name(run), "displayName")
    expect.that("members" not in current, f"members were returned: {current.get('members')}")


@entra.step('filter displayName+eq+"..." with excludedAttributes=members finds the group')
def filter_group(run: Run) -> None:
    run.need("members_added")
    params = query(excludedAttributes="members", filter=f'displayName eq "{group_name(run)}"')
    found = expect.found_one(run.get("/Groups" + params), run.need("group_id"))
    expect.that("members" not in found, f"members were returned: {found.get('members')}")


@entra.step("PATCH group Replace displayName")
def rename_group(run: Run) -> None:
    operation = {"op": "Replace", "path": "displayName", "value": group_name(run, " renamed")}
    patch(run, f"/Groups/{run.need('group_id')}", operation)
    expect.equal(group(run).get("displayName"), group_name(run, " renamed"), "displayName")


@entra.step('PATCH group Remove path "members" with a value list')
def remove_members_value_list(run: Run) -> None:
    run.need("members_added")
    value = [{"$ref": None, "value": run.need("user_id")}]
    operation = {"op": "Remove", "path": "members", "value": value}
    patch(run, f"/Groups/{run.need('group_id')}", operation)
    expect.equal(expect.member_ids(group(run)), {run.need("manager_id")}, "member ids")


# The compliant requests the aadOptscim062020 flag switches on, sent with the flag in the URL.


@entra.step(f"?{FLAG}: GET /Users with the flag and a userName filter finds the user")
def flag_filter(run: Run) -> None:
    response = run.get("/Users" + query(FLAG, filter=f'userName eq "{user_name(run)}"'))
    expect.found_one(response, run.need("user_id"))


@entra.step(f"?{FLAG}: PATCH lower-case replace with a boolean active")
def flag_patch_user(run: Run) -> None:
    path = f"/Users/{run.need('user_id')}" + query(FLAG)
    patch(run, path, {"op": "replace", "path": "active", "value": False})
    expect.equal(user(run).get("active"), False, "active")


@entra.step(f'?{FLAG}: PATCH group remove members[value eq "<id>"]')
def flag_remove_member(run: Run) -> None:
    run.need("members_added")
    operation = {"op": "remove", "path": f'members[value eq "{run.need("manager_id")}"]'}
    patch(run, f"/Groups/{run.need('group_id')}" + query(FLAG), operation)
    expect.equal(expect.member_ids(group(run)), set(), "member ids")


@entra.step("DELETE group answers 204 and the group is gone")
def delete_group(run: Run) -> None:
    path = f"/Groups/{run.need('group_id')}"
    expect.status(run.delete(path), 204)
    run.untrack(path)
    expect.scim_error(run.get(path), 404)


@entra.step("DELETE user answers 204 and the user is gone")
def delete_user(run: Run) -> None:
    path = f"/Users/{run.need('user_id')}"
    expect.status(run.delete(path), 204)
    run.untrack(path)
    expect.scim_error(run.get(path), 404)
