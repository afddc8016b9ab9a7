"""docs/cli.md names every command the parser has, and every command it names exists."""

import argparse
import re
from pathlib import Path

import pytest

from gateway.cli import _parser

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
