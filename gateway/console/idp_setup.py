"""The Okta and Entra setup guides: one text each, with an org's values filled in.

`templates/idp/<idp>.md` is the only source. The Identity provider page renders it with the
org's SCIM base URL and id; docs/okta.md and docs/entra.md are the same template rendered with
placeholder values, written by `python -m gateway.console.idp_setup` (a test fails when they
are stale).
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass(frozen=True)
class Guide:
    idp: str  # the template's and the doc's name
    title: str


GUIDES = (Guide("okta", "Okta"), Guide("entra", "Microsoft Entra ID"))


@dataclass(frozen=True)
class SetupValues:
    gateway_url: str  # the gateway's public URL
    org_id: str
    token: str  # what stands where the SCIM token goes: it is never shown again

    @property
    def scim_base_url(self) -> str:
        return f"{self.gateway_url}/scim/v2"


# The docs' values: a deployment's URL, the shell variable the admin API example sets.
PLACEHOLDERS = SetupValues(
    gateway_url="https://seatgate.example.com", org_id="$ORG", token="<the SCIM token>"
)

# Markdown, not HTML: no autoescape here; markdown-it escapes what it renders (html off).
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("gateway.console", "templates/idp"),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
# The page nests each guide under its own heading: the guide's "#" becomes an <h3>.
_HEADING_SHIFT = 2


def guide_markdown(idp: str, values: SetupValues) -> str:
    return _TEMPLATES.get_template(f"{idp}.md").render(
        gateway_url=values.gateway_url,
        scim_base_url=values.scim_base_url,
        org_id=values.org_id,
        token=values.token,
    )


def guide_html(idp: str, values: SetupValues) -> Markup:
    tokens = _MARKDOWN.parse(guide_markdown(idp, values))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + _HEADING_SHIFT, 6)}"
    # markdown-it escapes every text it renders and passes no raw HTML through (html off).
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


def write_docs(docs: Path = DOCS) -> list[Path]:
    """Render the guides with the placeholders into docs/<idp>.md; the files that changed."""
    changed = []
    for guide in GUIDES:
        path = docs / f"{guide.idp}.md"
        text = guide_markdown(guide.idp, PLACEHOLDERS)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


if __name__ == "__main__":
    for written in write_docs():
        print(f"wrote {written}", file=sys.stderr)
