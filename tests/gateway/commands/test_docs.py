"""docs/cli.md names every command the parser has, and every command it names exists."""

import argparse
import re
from pathlib import Path

import pytest

from gateway.cli import _parser
from tests.gateway.commands.conftest import Seatgate

DOC = (Path(__file__).parents[3] / "docs" / "cli.md").read_text()


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*prefix, name)) or [" ".join((*prefix, name))]
    return found


OPERATOR = ("orgs", "scim-tokens", "clients", "portal-links", "event-endpoints")


@pytest.mark.parametrize("command", [c for c in _commands(_parser()) if c.startswith(OPERATOR)])
def test_every_operator_command_is_documented(command: str) -> None:
    assert f"seatgate {command}" in DOC


def test_every_command_the_page_names_exists() -> None:
    known = set(_commands(_parser()))
    named = set(re.findall(r"seatgate ([a-z-]+ [a-z-]+)", DOC))
    words = {
        " ".join(n.split()[:2]) for n in named if n.split()[0] in {c.split()[0] for c in known}
    }
    assert words <= known, sorted(words - known)


def test_the_pages_example_export_imports_as_it_stands(
    seatgate: Seatgate, database_url: str
) -> None:
    section = DOC.split("### The line format (version 1)", 1)[1]
    example = section.split("```\n", 2)[1]

    ran = seatgate(database_url, "orgs", "import", stdin=example)

    assert ran.code == 0, ran.err
    report = ran.record()
    assert (report["users"], report["groups"], report["invites"], report["warnings"]) == (
        1,
        1,
        1,
        0,
    )
    shown = seatgate(database_url, "orgs", "show", report["org_id"]).record()
    assert (shown["name"], shown["seats"]["used"], shown["seats"]["pending_invites"]) == (
        "Acme",
        2,
        1,
    )
