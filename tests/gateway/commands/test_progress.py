"""Long commands draw a progress bar on a terminal and stay quiet when piped: `seatgate orgs
export` run as a process, its stderr a pseudo-terminal or a pipe."""

import os
import subprocess
import sys

from tests.gateway.commands.conftest import Seatgate
from tests.terminal import plain, terminal

USERS = "".join(
    f'{{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u{n}@acme.test"}}\n'
    for n in range(3)
)


def _export(database_url: str, org_id: str, stderr: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "orgs", "export", org_id],
        env={**os.environ, "SEATGATE_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=60,
        check=True,
    )


def test_export_draws_a_bar_on_a_terminal_and_nothing_when_piped(
    seatgate: Seatgate, database_url: str
) -> None:
    imported = seatgate(database_url, "orgs", "import", "--name", "Acme", stdin=USERS).record()

    with terminal() as (stream, drawn):
        on_terminal = _export(database_url, imported["org_id"], stream)
        bar = plain(drawn())
    piped = _export(database_url, imported["org_id"], subprocess.PIPE)

    assert "exporting Acme" in bar and "3/3" in bar
    assert piped.stderr == ""
    # stdout is the same file either way (but the header's export time).
    assert on_terminal.stdout.splitlines()[1:] == piped.stdout.splitlines()[1:]
