"""`seatgate config`: what an operator sees of the effective settings, and how a bad value
stops a command (exit code 2, one line naming the variable, no traceback)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _seatgate(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATGATE_")}
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_prints_each_setting_with_where_it_came_from() -> None:
    done = _seatgate("config", "--port", "9100", SEATGATE_PORT="9000", SEATGATE_SMTP_PORT="2525")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert lines["SEATGATE_PORT"].split()[1:] == ["9100", "[CLI", "flag", "--port]"]
    assert lines["SEATGATE_SMTP_PORT"].split()[1:] == [
        "2525",
        "[environment",
        "SEATGATE_SMTP_PORT]",
    ]
    assert lines["SEATGATE_HOST"].split()[1:] == ["127.0.0.1", "[default]"]


def test_config_masks_secrets_and_database_passwords() -> None:
    done = _seatgate(
        "config",
        "--json",
        SEATGATE_ADMIN_TOKEN="a-long-enough-admin-token",
        SEATGATE_STRIPE_SECRET_KEY="sk_test_123",
        SEATGATE_DATABASE_URL="postgresql+asyncpg://gate:pg-password@db.internal/seatgate",
    )
    assert done.returncode == 0, done.stderr
    for secret in ("a-long-enough-admin-token", "sk_test_123", "pg-password"):
        assert secret not in done.stdout
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["SEATGATE_ADMIN_TOKEN"] == {
        "name": "SEATGATE_ADMIN_TOKEN",
        "value": "********",
        "source": "environment SEATGATE_ADMIN_TOKEN",
    }
    assert rows["SEATGATE_DATABASE_URL"]["value"] == (
        "postgresql+asyncpg://gate:********@db.internal/seatgate"
    )
    assert rows["SEATGATE_METRICS_TOKEN"]["value"] is None


def test_config_reads_an_env_file_below_the_environment(tmp_path: Path) -> None:
    env_file = tmp_path / "seatgate.env"
    env_file.write_text("SEATGATE_SMTP_HOST=mail.example\nSEATGATE_PORT=9200\n")
    done = _seatgate("--env-file", str(env_file), "config", "--json", SEATGATE_PORT="9300")
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["SEATGATE_SMTP_HOST"]["source"] == "env file SEATGATE_SMTP_HOST"
    assert rows["SEATGATE_PORT"]["value"] == 9300


def test_config_reports_a_variable_that_names_no_setting() -> None:
    done = _seatgate("config", SEATGATE_PROT="9000")
    assert "SEATGATE_PROT names no setting and is ignored" in done.stderr
    reported = [line.split() for line in done.stdout.splitlines()]
    assert ["SEATGATE_PROT", "ignored:", "names", "no", "setting"] in reported


@pytest.mark.parametrize("command", [["serve"], ["config"], ["migrate"]])
def test_a_bad_value_stops_the_command_with_one_line_naming_the_variable(
    command: list[str],
) -> None:
    done = _seatgate(*command, SEATGATE_PORT="abc")
    assert done.returncode == 2
    assert done.stderr == (
        "seatgate: SEATGATE_PORT: Input should be a valid integer, unable to parse string as "
        "an integer, got 'abc'\n"
    )
    assert done.stdout == ""
