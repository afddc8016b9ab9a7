"""`pip install` from the built wheel (not an editable install) gives a working `seatgate`:
the wheel carries every package, the migrations, the console's templates and static files, and
the console script.

The wheel goes into a fresh virtualenv without its dependencies; the dependencies are the ones
already installed for the tests, made visible through a .pth file after the new environment's
own site-packages (so the wheel's copy of the gateway is the one imported, and `pip check`
still holds the wheel's declared requirements against them). This keeps the test from
downloading the gateway's dependencies again (about 2 minutes on this machine).
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.gateway.alert_receivers import free_port

ROOT = Path(__file__).resolve().parents[1]
_NOT_SOURCES = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "*.db", "*.db-*", ".hypothesis"
)

_PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"
pytestmark = pytest.mark.packaging


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_into_a_fresh_venv_and_serves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEATGATE_", "PYTHON"))}
    source = tmp_path / "source"
    # A copy, so that building leaves no build/ or egg-info in the checkout.
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        ".",
        "--no-deps",
        "-q",
        "-w",
        tmp_path,
        cwd=source,
        env=env,
    )
    (wheel,) = tmp_path.glob("seatgate-*.whl")

    venv = tmp_path / "venv"
    # Without pip of its own (ensurepip alone takes half a minute here): the tests' pip installs
    # into it and checks it through --python.
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--python", python)
    _run(*pip, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path, env=env)
    site = _run(python, "-c", _PURELIB, cwd=tmp_path, env=env)
    (Path(site.strip()) / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(*pip, "check", cwd=tmp_path, env=env)
    where = _run(python, "-c", "import gateway; print(gateway.__file__)", cwd=tmp_path, env=env)
    assert where.startswith(str(venv)), where

    seatgate = venv / "bin" / "seatgate"
    assert "serve" in _run(seatgate, "--help", cwd=tmp_path, env=env)
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'wheel.db'}"
    process = subprocess.Popen(
        [seatgate, "serve", "--port", str(port), "--database-url", database],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _healthz(port, process) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/console/static/console.js") as page:
            assert page.status == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "an admin token was generated" in output


def _healthz(port: int, process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"seatgate serve exited: {process.communicate()[0]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return answer.status
        except OSError:
            time.sleep(0.1)
    raise AssertionError("seatgate serve from the wheel did not answer /healthz within 60 s")
