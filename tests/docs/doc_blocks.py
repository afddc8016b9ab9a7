"""The shell blocks of README.md and docs/*.md that call curl, as tests/docs/test_doc_curls.py
runs them.

A block is a fenced ```sh block (indented ones in lists too) that contains `curl`. A block
whose first line is `# illustrative: <why>` is shown to readers but not run (it starts a
gateway of its own, needs an IdP...); the reason is on the page for everyone to see.
"""

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ILLUSTRATIVE = "# illustrative:"
# What the docs call the gateway; the test's gateway answers instead.
DOC_BASE_URLS = ("http://127.0.0.1:8000", "https://seatgate.example.com")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```sh\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    text: str

    @property
    def illustrative(self) -> bool:
        return self.text.lstrip().startswith(ILLUSTRATIVE)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def curl_blocks(page: Path) -> list[Block]:
    text = page.read_text()
    blocks = []
    for match in _FENCE.finditer(text):
        body = textwrap.dedent(match.group("body"))
        if "curl" in body:
            blocks.append(Block(page, text[: match.start()].count("\n") + 1, body))
    return blocks


def script(blocks: list[Block], base_url: str) -> str:
    """One bash script running the blocks in order against `base_url`: it stops at the first
    command that fails, and curl fails on any HTTP status >= 400 (`--fail`)."""
    parts = [
        "set -euo pipefail",
        'curl() { command curl --fail --show-error "$@"; }',
    ]
    for block in blocks:
        text = block.text
        for doc_url in DOC_BASE_URLS:
            text = text.replace(doc_url, base_url)
        parts += [f"echo '--- {block.where}' >&2", text]
    return "\n".join(parts) + "\n"
