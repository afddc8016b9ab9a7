"""Okta's SCIM 2.0 provisioning requests, replayed in the order Okta sends them.

Sources (Okta's public developer documentation):
- "SCIM 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/):
  the lookup `GET /Users?filter=userName eq "..."&startIndex=1&count=100` before every create;
  the create body (with `groups: []`, `password`, `locale`, `externalId`); the full-user PUT that
  carries `id`, `meta` and `groups`; deactivation by path-less `replace` `{"active": false}`
  (Okta never deletes users); Group Push: create, retrieve, lookup by displayName, a PatchOp that
  renames (its value carries the group `id`) and changes members together, member removal by
  `members[value eq "<id>"]`, delete.
- "Build a SCIM provisioning integration" / "Test your SCIM API", with the Runscope "Okta SCIM
  2.0 Spec Test" it points to: list pagination fields, an unknown id answers 404 with a SCIM
  error, a second create with the same userName answers 409, userName lookups ignore case.
"""

import uuid
from typing import Any

from conformance import expect
from conformance.sequence import Run, Sequence

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

okta = Sequence("okta")


def user_name(run: Run) -> str:
    return f"okta.{run.run_id}@conformance.example"


def lookup(run: Run, attribute: str, value: str, endpoint: str = "/Users") -> Any:
    """Okta's lookup form: an `eq` filter with startIndex=1&count=100."""
    params = {"filter": f'{attribute} eq "{value}"', "startIndex": 1, "count": 100}
    return run.get(endpoint, params=params)


def okta_user(run: Run, given: str = "Test") -> dict[str, Any]:
    name = user_name(run)
    return {
        "schemas": [USER],
        "userName": name,
        "name": {"givenName": given, "familyName": "User"},
        "emails": [{"primary": True, "value": name, "type": "work"}],
        "displayName": f"{given} User",
        "locale": "en-US",
        "externalId": f"00u{run.run_id}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


@okta.step("lookup before create finds no user")
def lookup_before_create(run: Run) -> None:
    expect.equal(expect.listed(lookup(run, "userName", user_name(run))), [], "Resources")


@okta.step("create user answers 201 with the user and no password")
def create_user(run: Run) -> None:
    response = run.send("POST", "/Users", okta_user(run))
    user = expect.resource(response, 201)
    run.track(f"/Users/{user['id']}")
    run.keep("user_id", user["id"])
    expect.equal(user.get("userName"), user_name(run), "userName")
    expect.equal(user.get("active"), True, "active")
    expect.equal(user.get("meta", {}).get("resourceType"), "User", "meta.resourceType")
    expect.that("password" not in user, "the writeOnly password was returned (RFC 7643 §7)")


@okta.step("get user by id returns what was created")
def get_user(run: Run) -> None:
    user = expect.resource(run.get(f"/Users/{run.need('user_id')}"))
    expect.equal(user.get("userName"), user_name(run), "userName")
    expect.equal(user.get("name", {}).get("givenName"), "Test", "name.givenName")
    expect.equal(user.get("name", {}).get("familyName"), "User", "name.familyName")
    run.keep("user", user)


@okta.step("lookup by userName finds the created user")
def lookup_finds_user(run: Run) -> None:
    expect.found_one(lookup(run, "userName", user_name(run)), run.need("user_id"))


@okta.step("lookup by userName ignores case")
def lookup_ignores_case(run: Run) -> None:
    expect.found_one(lookup(run, "userName", user_name(run).upper()), run.need("user_id"))


@okta.step("list users pages with startIndex and count")
def list_pagination(run: Run) -> None:
    run.need("user_id")
    response = run.get("/Users", params={"startIndex": 1, "count": 1})
    resources = expect.listed(response)
    page = expect.body(response)
    expect.equal(len(resources), 1, "number of Resources for count=1")
    expect.equal(page.get("startIndex"), 1, "startIndex")
    expect.equal(page.get("itemsPerPage"), 1, "itemsPerPage")


@okta.step("unknown user id answers 404 with a SCIM error")
def unknown_user(run: Run) -> None:
    expect.scim_error(run.get(f"/Users/{uuid.uuid4()}"), 404)


@okta.step("create with an existing userName answers 409 uniqueness")
def duplicate_user(run: Run) -> None:
    run.need("user_id")
    expect.scim_error(run.send("POST", "/Users", okta_user(run)), 409, "uniqueness")


@okta.step("PUT full user with id, meta and groups updates it")
def put_user(run: Run) -> None:
    user_id, current = run.need("user_id"), run.need("user")
    body = {**okta_user(run, given="Another"), "id": user_id, "meta": current.get("meta", {})}
    user = expect.resource(run.send("PUT", f"/Users/{user_id}", body))
    expect.equal(user.get("name", {}).get("givenName"), "Another", "name.givenName")
    expect.equal(user.get("displayName"), "Another User", "displayName")
    expect.equal(user.get("id"), user_id, "id")


def set_active(run: Run, active: bool) -> None:
    user_id = run.need("user_id")
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]}
    response = run.send("PATCH", f"/Users/{user_id}", patch)
    expect.status(response, 200, 204)
    if response.status_code == 200:
        expect.equal(expect.body(response).get("active"), active, "active in the PATCH response")


@okta.step("PATCH replace {active: false} deactivates the user")
def deactivate(run: Run) -> None:
    set_active(run, False)
    run.keep("deactivated", True)


@okta.step("deactivated user is still returned by id")
def deactivated_by_id(run: Run) -> None:
    run.need("deactivated")
    user = expect.resource(run.get(f"/Users/{run.need('user_id')}"))
    expect.equal(user.get("active"), False, "active")


@okta.step("deactivated user is still found by the userName lookup")
def deactivated_by_filter(run: Run) -> None:
    run.need("deactivated")
    user = expect.found_one(lookup(run, "userName", user_name(run)), run.need("user_id"))
    expect.equal(user.get("active"), False, "active")


@okta.step("PATCH replace {active: true} reactivates the user")
def reactivate(run: Run) -> None:
    run.need("deactivated")
    set_active(run, True)
    user = expect.resource(run.get(f"/Users/{run.need('user_id')}"))
    expect.equal(user.get("active"), True, "active")


# Group Push.


def group_name(run: Run, suffix: str = "") -> str:
    return f"Okta Push {run.run_id}{suffix}"


@okta.step("group lookup by displayName before push finds none")
def group_lookup_before_push(run: Run) -> None:
    response = lookup(run, "displayName", group_name(run), endpoint="/Groups")
    expect.equal(expect.listed(response), [], "Resources")


@okta.step("push group answers 201 with the group")
def create_group(run: Run) -> None:
    body = {"schemas": [GROUP], "displayName": group_name(run), "members": []}
    group = expect.resource(run.send("POST", "/Groups", body), 201)
    run.track(f"/Groups/{group['id']}")
    run.keep("group_id", group["id"])
    expect.equal(group.get("displayName"), group_name(run), "displayName")


@okta.step("get group by id returns it")
def get_group(run: Run) -> None:
    group = expect.resource(run.get(f"/Groups/{run.need('group_id')}"))
    expect.equal(group.get("displayName"), group_name(run), "displayName")


@okta.step("PATCH renames the group and adds a member in one PatchOp")
def rename_and_add_member(run: Run) -> None:
    group_id, user_id = run.need("group_id"), run.need("user_id")
    member = user_name(run)
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "replace", "value": {"id": group_id, "displayName": group_name(run, " 2")}},
            {"op": "add", "path": "members", "value": [{"value": user_id, "display": member}]},
        ],
    }
    expect.status(run.send("PATCH", f"/Groups/{group_id}", patch), 200, 204)
    group = expect.resource(run.get(f"/Groups/{group_id}"))
    expect.equal(group.get("displayName"), group_name(run, " 2"), "displayName")
    expect.equal(expect.member_ids(group), {user_id}, "member ids")
    run.keep("member_added", True)


@okta.step('PATCH remove path members[value eq "<id>"] removes the member')
def remove_member(run: Run) -> None:
    group_id, user_id = run.need("group_id"), run.need("user_id")
    run.need("member_added")
    operation = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
    patch = {"schemas": [PATCH_OP], "Operations": [operation]}
    expect.status(run.send("PATCH", f"/Groups/{group_id}", patch), 200, 204)
    group = expect.resource(run.get(f"/Groups/{group_id}"))
    expect.equal(expect.member_ids(group), set(), "member ids")


@okta.step("unknown group id answers 404 with a SCIM error")
def unknown_group(run: Run) -> None:
    expect.scim_error(run.get(f"/Groups/{uuid.uuid4()}"), 404)


@okta.step("delete group answers 204 and the group is gone")
def delete_group(run: Run) -> None:
    path = f"/Groups/{run.need('group_id')}"
    expect.status(run.delete(path), 204)
    run.untrack(path)
    expect.scim_error(run.get(path), 404)
