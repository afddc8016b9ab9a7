"""Commits of this repository checked out into temporary git worktrees, for gateways to run from.

A gateway runs from a tree by `python -m gateway.cli` with the tree as working directory and
PYTHONPATH: both come before the venv's editable install of the main tree on `sys.path` (the
editable finder is appended to `sys.meta_path`, after the path finder), so every import of
`gateway`, `scim`, `seats` and `auth` comes from that tree; `check_imports` makes sure of it.
The venv (its packages) is shared: a commit that needs a package the venv lacks fails to start.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.targets import REPO

PACKAGES = ("gateway", "scim", "seats", "auth")
_PROBE = (
    "import importlib, sys\nfor name in sys.argv[1:]: print(importlib.import_module(name).__file__)"
)


@dataclass(frozen=True)
class Tree:
    name: str  # "before" or "after"
    commit: str  # full hash
    subject: str  # the commit's first line
    path: Path

    @property
    def short(self) -> str:
        return self.commit[:7]

    def env(self) -> dict[str, str]:
        """What a process needs to import the gateway from this tree."""
        return {"PYTHONPATH": str(self.path)}


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve(ref: str) -> tuple[str, str]:
    """The full hash and subject of a commit-ish (a hash, HEAD, a branch, HEAD~3)."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    return commit, _git("show", "-s", "--format=%s", commit)


@contextmanager
def checked_out(name: str, ref: str, parent: Path) -> Iterator[Tree]:
    """`ref` in a detached worktree under `parent`, removed (with git's record of it) after."""
    commit, subject = resolve(ref)
    path = parent / name
    _git("worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        tree = Tree(name, commit, subject, path)
        check_imports(tree)
        yield tree
    finally:
        _git("worktree", "remove", "--force", str(path))


def check_imports(tree: Tree) -> None:
    """Fail unless a process started like the gateway imports every package from the tree."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *PACKAGES],
        capture_output=True,
        text=True,
        cwd=tree.path,
        env={**os.environ, **tree.env()},
        check=False,
    )
    files = done.stdout.split()
    if done.returncode != 0 or len(files) != len(PACKAGES):
        raise SystemExit(f"{tree.name} tree {tree.short}: import failed: {done.stderr[-300:]}")
    stray = [f for f in files if not Path(f).resolve().is_relative_to(tree.path.resolve())]
    if stray:
        raise SystemExit(f"{tree.name} tree {tree.short} imports from elsewhere: {stray}")
