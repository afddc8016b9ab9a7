"""`seatgate --help` stays light: building the command line's parser imports none of the
gateway's heavy dependencies (each command imports them itself, gateway/cli.py)."""

import json
import subprocess
import sys

from auth.keys import DEFAULT_PUBLISH_DELAY_SECONDS
from gateway.key_commands import PUBLISH_DELAY_SECONDS

HEAVY = ("aiohttp", "sqlalchemy", "alembic", "stripe", "scim2_models", "pydantic", "jwt", "rich")


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name.partition(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


def test_building_the_parser_imports_no_web_database_billing_or_scim_library() -> None:
    loaded = _modules_after("import gateway.cli\ngateway.cli._parser()")
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_help_prints_every_command_without_importing_them() -> None:
    code = (
        "import contextlib, io, gateway.cli\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    gateway.cli.main(['--help'])\n"
        "assert 'serve' in out.getvalue() and 'billing' in out.getvalue(), out.getvalue()"
    )
    loaded = _modules_after(code)
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_a_subcommands_help_imports_nothing_heavy_either() -> None:
    for command in (
        ["keys", "rotate"],
        ["billing", "reconcile"],
        ["identifiers", "set-aside"],
        ["orgs", "list"],
        ["orgs", "import"],
        ["scim-tokens", "create"],
        ["clients", "revoke"],
        ["portal-links", "create"],
        ["event-endpoints", "create"],
    ):
        code = (
            "import contextlib, io, gateway.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            f"    gateway.cli.main({command!r} + ['--help'])"
        )
        loaded = _modules_after(code)
        assert loaded.isdisjoint(HEAVY), (command, sorted(loaded.intersection(HEAVY)))


def test_the_help_of_keys_rotate_states_the_publish_delay_the_gateway_uses() -> None:
    assert PUBLISH_DELAY_SECONDS == DEFAULT_PUBLISH_DELAY_SECONDS
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "keys", "rotate", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"(default {DEFAULT_PUBLISH_DELAY_SECONDS})" in " ".join(done.stdout.split())
