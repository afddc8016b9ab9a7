"""`seatgate orgs export` and `orgs import`: an org moves between deployments and exports the
same again; another SCIM server's resources import with the seat rules applied; a bad or cut
short file imports nothing. Both engines."""

import json
from typing import Any

from aiohttp.test_utils import TestClient

from tests.gateway.commands.conftest import Seatgate
from tests.gateway.events_support import read_all
from tests.gateway.test_events_feed import product_headers
from tests.helpers import ADMIN_HEADERS, create_org, scim_headers_for

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def scim_user(user_name: str, **attributes: Any) -> dict[str, Any]:
    return {"schemas": [CORE_USER], "userName": user_name, **attributes}


async def provision(client: TestClient, headers: dict[str, str], path: str, body: dict) -> str:
    response = await client.post(f"/scim/v2/{path}", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def a_lived_in_org(client: TestClient) -> str:
    """Three seats: an invite and two users hold them, one released by an admin; one user waits
    over the limit, a guest is exempt, one user is deactivated; groups nest."""
    org = await create_org(client, seat_limit=3, admin_emails=["it@acme.test"])
    scim = await scim_headers_for(client, org["id"])
    invite = {"email": "dee@acme.test", "role": "member"}
    response = await client.post(
        f"/admin/v1/orgs/{org['id']}/invites", json=invite, headers=ADMIN_HEADERS
    )
    assert response.status == 201, await response.text()
    ann = await provision(
        client, scim, "Users", scim_user("ann@acme.test", name={"givenName": "Ann"})
    )
    bo = await provision(client, scim, "Users", scim_user("bo@acme.test", displayName="Bo"))
    cy = await provision(client, scim, "Users", scim_user("cy@acme.test", externalId="00u3"))
    await provision(client, scim, "Users", scim_user("guest@acme.test", userType="Guest"))
    await provision(client, scim, "Users", scim_user("old@acme.test", active=False))
    released = await client.post(
        f"/admin/v1/orgs/{org['id']}/members/{bo}/release-seat", headers=ADMIN_HEADERS
    )
    assert released.status == 200, await released.text()
    ops = await provision(
        client,
        scim,
        "Groups",
        {"schemas": [CORE_GROUP], "displayName": "Ops", "members": [{"value": cy}]},
    )
    members = [{"value": ann}, {"value": bo}, {"value": ops}]
    await provision(
        client,
        scim,
        "Groups",
        {"schemas": [CORE_GROUP], "displayName": "Eng", "externalId": "g-eng", "members": members},
    )
    return org["id"]


def comparable(export: str) -> list[Any]:
    """The lines of an export with what may differ between deployments taken out: the
    header's time and org id, every id (named by its line's place instead), and the order of
    a group's members (a set, listed by id)."""
    lines = [json.loads(line) for line in export.splitlines()]
    names = {line["id"]: f"#{place}" for place, line in enumerate(lines) if "id" in line}
    for line in lines:
        if line["type"] == "header":
            del line["exported_at"], line["org_id"]
        if "id" in line:
            line["id"] = names[line["id"]]
        if "members" in line.get("resource", {}):
            members = line["resource"]["members"]
            for member in members:
                member["value"] = names[member["value"]]
            members.sort(key=lambda member: member["value"])
    return lines


async def test_an_org_moves_to_another_deployment_and_exports_the_same_again(
    seatgate: Seatgate, database_url: str, other_database_url: str, client: TestClient
) -> None:
    org_id = await a_lived_in_org(client)

    first = await seatgate.in_thread(database_url, "orgs", "export", org_id)
    assert first.code == 0, first.err
    imported = await seatgate.in_thread(other_database_url, "orgs", "import", stdin=first.out)
    assert imported.code == 0, imported.err
    report = imported.record()
    again = await seatgate.in_thread(other_database_url, "orgs", "export", report["org_id"])

    assert comparable(again.out) == comparable(first.out)
    assert imported.err == ""  # every seat status as the file said
    assert (report["users"], report["groups"], report["invites"], report["over_limit"]) == (
        5,
        2,
        1,
        2,
    )
    lines = comparable(first.out)
    assert [line["type"] for line in lines] == ["header", "org", "invite"] + ["user"] * 5 + [
        "group"
    ] * 2 + ["end"]
    users = {line["resource"]["userName"]: line for line in lines if line["type"] == "user"}
    assert {name: (u["seat_status"], u["seat_held"]) for name, u in users.items()} == {
        "ann@acme.test": ("active", False),
        "bo@acme.test": ("over_limit", True),
        "cy@acme.test": ("over_limit", False),
        "guest@acme.test": ("active", False),
        "old@acme.test": ("deactivated", False),
    }
    here = (await seatgate.in_thread(database_url, "orgs", "show", org_id)).record()
    there = (
        await seatgate.in_thread(other_database_url, "orgs", "show", report["org_id"])
    ).record()
    assert there["seats"] == here["seats"]
    assert (there["name"], there["admin_emails"]) == ("Acme", ["it@acme.test"])


async def test_another_scim_servers_users_take_seats_by_the_rules_with_events(
    seatgate: Seatgate, database_url: str, client: TestClient
) -> None:
    org = await create_org(client, seat_limit=1)
    headers = await product_headers(client, org["id"])
    _, start = await read_all(client, headers)
    resources = [
        scim_user(f"user{n}@acme.test", id=f"ext-{n}", meta={"resourceType": "User"})
        for n in range(3)
    ]
    resources.append(
        {
            "schemas": [CORE_GROUP],
            "id": "ext-g",
            "displayName": "All",
            "members": [{"value": "ext-0"}, {"value": "ext-9"}],
        }
    )
    file = "".join(json.dumps(resource) + "\n" for resource in resources)

    ran = await seatgate.in_thread(database_url, "orgs", "import", "--into", org["id"], stdin=file)

    assert ran.code == 0, ran.err
    assert (ran.record()["users"], ran.record()["over_limit"]) == (3, 2)
    assert "1 member(s) of group 'All' name no user or group in the file" in ran.err
    members = await client.get(f"/admin/v1/orgs/{org['id']}/members", headers=ADMIN_HEADERS)
    statuses = {m["user_name"]: m["seat_status"] for m in (await members.json())["data"]}
    assert statuses == {
        "user0@acme.test": "active",
        "user1@acme.test": "over_limit",
        "user2@acme.test": "over_limit",
    }
    alerts = await client.get(f"/admin/v1/orgs/{org['id']}/alerts", headers=ADMIN_HEADERS)
    assert [a["kind"] for a in (await alerts.json())["data"]] == ["seat_limit_reached"]
    events, _ = await read_all(client, headers, after=start)
    assert [e["type"] for e in events].count("member.created") == 3


def test_a_bad_line_stops_the_import_with_its_number_and_nothing_is_written(
    seatgate: Seatgate, database_url: str
) -> None:
    file = (
        json.dumps(scim_user("ann@acme.test")) + "\n" + json.dumps({"schemas": [CORE_USER]}) + "\n"
    )

    ran = seatgate(database_url, "orgs", "import", "--name", "Acme", stdin=file)

    assert ran.code == 1
    assert ran.err.startswith("seatgate: line 2: ")
    assert ran.err.strip().endswith("nothing was imported")
    assert seatgate(database_url, "orgs", "list").records() == []


def test_an_export_cut_short_is_refused(seatgate: Seatgate, database_url: str) -> None:
    org = seatgate(database_url, "orgs", "create", "Acme").record()
    exported = seatgate(database_url, "orgs", "export", org["id"]).out
    cut = "".join(exported.splitlines(keepends=True)[:-1])

    ran = seatgate(database_url, "orgs", "import", stdin=cut)

    assert ran.code == 1
    assert "without its end line: it was cut short" in ran.err
    assert len(seatgate(database_url, "orgs", "list").records()) == 1


def test_a_user_the_org_already_has_stops_the_import_naming_its_line(
    seatgate: Seatgate, database_url: str
) -> None:
    ann, bo = (json.dumps(scim_user(name)) + "\n" for name in ("ann@acme.test", "bo@acme.test"))
    org = seatgate(database_url, "orgs", "import", "--name", "Acme", stdin=ann).record()

    again = seatgate(database_url, "orgs", "import", "--into", org["org_id"], stdin=bo + ann)

    assert again.code == 1
    assert again.err.strip() == (
        "seatgate: line 2: userName 'ann@acme.test' is already taken in this organization; "
        "nothing was imported"
    )
    shown = seatgate(database_url, "orgs", "show", org["org_id"]).record()
    assert shown["seats"]["active"] == 1  # bo, on line 1, was rolled back too
