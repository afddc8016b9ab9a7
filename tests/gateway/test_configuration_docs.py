"""docs/configuration.md is generated from the settings model; CI fails when it is stale."""

from pathlib import Path

from gateway.config import Settings
from gateway.config_command import MOST_USED, markdown_reference
from gateway.settings_sources import env_name

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_configuration_page_is_what_the_model_generates() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == markdown_reference(), (
        "docs/configuration.md is stale: run `seatgate config --markdown > docs/configuration.md`"
    )


def test_every_setting_has_a_one_sentence_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and field.description.endswith("."), name


def test_the_readme_shows_the_most_used_settings_and_points_at_the_full_page() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert "docs/configuration.md" in section
    for field in MOST_USED:
        assert f"`{env_name(field)}`" in section, field
