"""docs/okta.md and docs/entra.md are the console's setup guides with placeholder values: one
text each (gateway/console/templates/idp/)."""

import pytest

from gateway.console import idp_setup


@pytest.mark.parametrize("guide", idp_setup.GUIDES, ids=lambda g: g.idp)
def test_the_doc_is_the_guide_rendered_with_placeholders(guide: idp_setup.Guide):
    doc = idp_setup.DOCS / f"{guide.idp}.md"

    assert doc.read_text() == idp_setup.guide_markdown(guide.idp, idp_setup.PLACEHOLDERS), (
        f"{doc} is stale: edit gateway/console/templates/idp/{guide.idp}.md, then run "
        "python -m gateway.console.idp_setup"
    )


def test_the_page_escapes_what_the_values_hold():
    values = idp_setup.SetupValues(
        gateway_url="https://gw.example/<script>", org_id="org&1", token="<the SCIM token>"
    )

    html = idp_setup.guide_html("okta", values)

    assert "<script>" not in html and "https://gw.example/&lt;script&gt;/scim/v2" in html
    assert "Bearer &lt;the SCIM token&gt;" in html
