"""The SDK installs and imports with only its declared dependencies: a fresh virtualenv,
`pip install ./sdk`, and nothing of the gateway there (about 8 s on this machine)."""

import shutil
import subprocess
import sys
from pathlib import Path

SDK = Path(__file__).resolve().parents[1]

CHECK = """
import importlib.util, sys
import seatgate_sdk
from seatgate_sdk import TokenVerifier, AsyncEventFeed, AsyncDirectoryClient, AsyncTokenClient
absent = [name for name in ("gateway", "auth", "seats", "scim", "aiohttp", "sqlalchemy",
          "asyncpg", "stripe", "scim2_models", "standardwebhooks")
          if importlib.util.find_spec(name) is not None]
assert not absent, absent
try:
    seatgate_sdk.WebhookVerifier("whsec_a2V5")
except ImportError as error:
    assert "seatgate-sdk[webhooks]" in str(error), error
else:
    raise AssertionError("WebhookVerifier worked without the webhooks extra")
print(seatgate_sdk.__version__)
"""


def test_the_sdk_installs_into_a_fresh_virtualenv_without_the_gateway(tmp_path: Path) -> None:
    source = tmp_path / "sdk"
    shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    installed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert "seatgate-sdk" in names
    assert not names & {"seatgate", "aiohttp", "sqlalchemy", "stripe", "asyncpg"}
    # Run outside the checkout, so that nothing of the gateway is on sys.path.
    result = subprocess.run(
        [python, "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.1.0"
