"""`seatgate orgs list|create|show`: what an operator sees, on both engines."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from tests.gateway.commands.conftest import Seatgate
from tests.terminal import plain, terminal


def test_create_then_show_gives_the_org_with_its_seat_summary(
    seatgate: Seatgate, database_url: str
) -> None:
    created = seatgate(
        database_url, "orgs", "create", "Acme", "--seat-limit", "5", "--admin-email", "it@acme.test"
    )
    assert created.code == 0, created.err
    org = created.record()
    assert (org["name"], org["seat_limit"], org["admin_emails"]) == ("Acme", 5, ["it@acme.test"])

    shown = seatgate(database_url, "orgs", "show", org["id"]).record()

    assert shown["id"] == org["id"]
    assert shown["seats"]["capacity"] == 5
    assert (shown["seats"]["used"], shown["seats"]["available"]) == (0, 5)


def test_list_pages_with_the_cursor_it_prints_and_searches_names(
    seatgate: Seatgate, database_url: str
) -> None:
    for name in ("Acme", "Beta", "Acme Labs"):
        assert seatgate(database_url, "orgs", "create", name).code == 0

    first = seatgate(database_url, "orgs", "list", "--limit", "2")
    assert [org["name"] for org in first.records()] == ["Acme", "Beta"]
    cursor = first.err.split("--after ")[1].strip()
    rest = seatgate(database_url, "orgs", "list", "--limit", "2", "--after", cursor)
    assert [org["name"] for org in rest.records()] == ["Acme Labs"]
    assert "--after" not in rest.err

    found = seatgate(database_url, "orgs", "list", "--search", "acme")
    assert [org["name"] for org in found.records()] == ["Acme", "Acme Labs"]


def test_an_unknown_org_is_one_sentence_and_exit_status_1(
    seatgate: Seatgate, database_url: str
) -> None:
    ran = seatgate(database_url, "orgs", "show", "no-such-org")

    assert ran.code == 1
    assert ran.err.strip() == "seatgate: organization no-such-org does not exist"
    assert ran.out == ""


def test_bad_values_are_refused_with_what_is_allowed(seatgate: Seatgate, database_url: str) -> None:
    limit = seatgate(database_url, "orgs", "create", "Acme", "--seat-limit", "-1")
    cursor = seatgate(database_url, "orgs", "list", "--after", "not-a-cursor")

    assert limit.code == 1
    assert "seat_limit must be between 0 and" in limit.err
    assert cursor.code == 1
    assert "the after cursor is not one this listing handed out" in cursor.err
    assert seatgate(database_url, "orgs", "list").records() == []


def test_on_a_terminal_the_list_is_a_table_and_json_lines_when_asked(
    seatgate: Seatgate, database_url: str
) -> None:
    org = seatgate(database_url, "orgs", "create", "Acme", "--seat-limit", "5").record()
    command = [sys.executable, "-m", "gateway.cli", "orgs", "list", "--database-url", database_url]

    with terminal() as (stream, drawn):
        subprocess.run(command, stdout=stream, check=True, timeout=60)
        subprocess.run([*command, "--json"], stdout=stream, check=True, timeout=60)
        lines = plain(drawn()).splitlines()

    assert lines[0].split() == ["ID", "NAME", "SEAT_LIMIT", "SEAT_POLICY", "CREATED_AT"]
    assert lines[1].split()[:4] == [org["id"], "Acme", "5", "over_limit"]
    assert json.loads(lines[2])["id"] == org["id"]


def test_a_database_that_cannot_be_reached_is_one_sentence_without_its_password(
    seatgate: Seatgate, tmp_path: Path
) -> None:
    unreachable = seatgate("postgresql+asyncpg://ops:hunter2@127.0.0.1:1/seatgate", "orgs", "list")
    missing = seatgate(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir.db", "orgs", "list")
    nonsense = seatgate("seatgate.db", "orgs", "list")

    assert unreachable.code == missing.code == 1
    # A value that is no URL at all is a bad setting: refused before the command runs.
    assert nonsense.code == 2
    assert unreachable.err.startswith(
        "seatgate: cannot use the database postgresql+asyncpg://ops:***@127.0.0.1:1/seatgate: "
    )
    assert "hunter2" not in unreachable.err
    assert f"the directory {tmp_path}/no/such does not exist" in missing.err
    assert "--database-url: must be a SQLAlchemy URL" in nonsense.err


def test_import_from_a_terminal_says_to_redirect_a_file_instead_of_waiting(
    seatgate: Seatgate, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with terminal() as (stream, _):
        monkeypatch.setattr("sys.stdin", stream)
        code = main(["orgs", "import", "--name", "Acme", "--database-url", database_url])

    assert code == 1
    assert seatgate(database_url, "orgs", "list").records() == []
