"""Which admin token a started gateway accepts, and that `seatgate serve` says so at start:
SEATGATE_ADMIN_TOKEN wins while it is set; otherwise the one generated (and printed once) for
the new database."""

import os
import re
import subprocess
import sys

import aiohttp

from tests.gateway.alert_receivers import free_port
from tests.gateway.gateway_process import _wait_until_up

ENV_TOKEN = "an-operator-chosen-token-0123456789"


async def _serve(database_url: str, **environment: str) -> tuple[str, dict[str, int]]:
    """Start `seatgate serve`, try the tokens in `environment['TRY_*']` on the admin API, stop
    it; return what it printed and the status each token got."""
    tries = {k: v for k, v in environment.items() if k.startswith("TRY_")}
    env = {k: v for k, v in os.environ.items() if k != "SEATGATE_ADMIN_TOKEN"}
    env.update({k: v for k, v in environment.items() if not k.startswith("TRY_")})
    port = free_port()
    process = _spawn(["serve", "--port", str(port), "--database-url", database_url], env)
    statuses: dict[str, int] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_until_up(base, process)
        async with aiohttp.ClientSession() as session:
            for name, token in tries.items():
                async with session.post(
                    f"{base}/admin/v1/orgs",
                    json={"name": "Acme"},
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    statuses[name] = response.status
    finally:
        out = _stop(process)
    return out, statuses


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    code = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    return process.communicate(timeout=10)[0]


async def test_the_generated_token_is_printed_once_and_refused_while_an_env_token_is_set(
    empty_database_url: str,
) -> None:
    first, _ = await _serve(empty_database_url)
    generated = re.search(r"^    (sgadmin\S+)$", first, re.M)
    assert generated, first
    token = generated.group(1)

    with_env, statuses = await _serve(
        empty_database_url, SEATGATE_ADMIN_TOKEN=ENV_TOKEN, TRY_GENERATED=token, TRY_ENV=ENV_TOKEN
    )
    assert "Admin token: SEATGATE_ADMIN_TOKEN from the environment; the token generated" in with_env
    assert "is refused while it is set" in with_env
    assert ENV_TOKEN not in with_env and token not in with_env
    assert statuses == {"TRY_GENERATED": 401, "TRY_ENV": 201}

    # Unset again, the generated token is the admin token once more (and is not printed again).
    again, statuses = await _serve(empty_database_url, TRY_GENERATED=token, TRY_ENV=ENV_TOKEN)
    assert "Admin token: the one generated on " in again
    assert token not in again
    assert statuses == {"TRY_GENERATED": 201, "TRY_ENV": 401}


async def test_an_env_token_on_a_new_database_generates_none(empty_database_url: str) -> None:
    out, statuses = await _serve(
        empty_database_url, SEATGATE_ADMIN_TOKEN=ENV_TOKEN, TRY_ENV=ENV_TOKEN
    )
    assert out.splitlines()[0] == "Admin token: SEATGATE_ADMIN_TOKEN from the environment."
    assert "sgadmin" not in out
    assert statuses == {"TRY_ENV": 201}


def test_a_weak_env_token_stops_serve_before_anything_starts(empty_database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SEATGATE_ADMIN_TOKEN"}
    process = _spawn(
        ["serve", "--database-url", empty_database_url],
        {**env, "SEATGATE_ADMIN_TOKEN": "change-me"},
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.startswith("seatgate: SEATGATE_ADMIN_TOKEN: too weak: use at least 16")
    assert "change-me" not in err
    assert out == ""
