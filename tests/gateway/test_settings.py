"""Settings: typed values from the environment, an env file and the CLI flags, in that order of
precedence below the flags; an unusable value refused by the name of what carried it."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from gateway.config import Settings, SettingsError, reveal
from gateway.settings_sources import load_settings
from tests.helpers import settings_from_env


def test_settings_read_typed_values_from_the_environment() -> None:
    settings = settings_from_env(
        {
            "SEATGATE_PORT": "9000",
            "SEATGATE_SMTP_STARTTLS": "yes",
            "SEATGATE_STRIPE_LEGACY_PRICES": '{"price_2019_seat": "per_seat"}',
            "SEATGATE_SCIM_RATE_LIMIT_PER_SECOND": "2.5",
        }
    )
    assert settings.port == 9000
    assert settings.smtp_starttls is True
    assert settings.stripe_legacy_prices == {"price_2019_seat": "per_seat"}
    assert settings.scim_rate_limit_per_second == 2.5


def test_an_empty_variable_counts_as_unset() -> None:
    assert settings_from_env({"SEATGATE_PORT": "", "SEATGATE_SMTP_HOST": ""}) == Settings()


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("SEATGATE_PORT", "eighty", "SEATGATE_PORT: Input should be a valid integer"),
        ("SEATGATE_PORT", "70000", "SEATGATE_PORT: Input should be less than or equal to 65535"),
        ("SEATGATE_SMTP_STARTTLS", "maybe", "SEATGATE_SMTP_STARTTLS: Input should be a valid bool"),
        ("SEATGATE_STRIPE_LEGACY_PRICES", "[1, 2]", "LEGACY_PRICES: must be a JSON"),
        ("SEATGATE_STRIPE_LEGACY_PRICES", "{not json", "SEATGATE_STRIPE_LEGACY_PRICES: must be a"),
        ("SEATGATE_PUBLIC_URL", "gw.example", "SEATGATE_PUBLIC_URL: "),
        ("SEATGATE_DATABASE_URL", "seatgate.db", "SEATGATE_DATABASE_URL: must be a SQLAlchemy"),
        ("SEATGATE_WORKER_POLL_SECONDS", "0", "SEATGATE_WORKER_POLL_SECONDS: Input should be"),
    ],
)
def test_an_unusable_setting_is_refused_by_name_with_the_value_given(
    name: str, raw: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        settings_from_env({name: raw})
    assert str(refused.value).endswith(f"got {raw!r}")


def test_a_refused_secret_is_never_repeated_in_the_message() -> None:
    with pytest.raises(SettingsError, match="SEATGATE_ADMIN_TOKEN: too weak") as refused:
        settings_from_env({"SEATGATE_ADMIN_TOKEN": "hunter2"})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("token", ["change-me", "CHANGEME", "short-token", "secret"])
def test_a_weak_or_placeholder_admin_token_is_refused(token: str) -> None:
    with pytest.raises(SettingsError, match="at least 16 random characters"):
        settings_from_env({"SEATGATE_ADMIN_TOKEN": token})


def test_secrets_are_held_masked() -> None:
    settings = settings_from_env({"SEATGATE_SMTP_PASSWORD": "hunter2-hunter2"})
    assert isinstance(settings.smtp_password, SecretStr)
    assert "hunter2" not in repr(settings)
    assert reveal(settings.smtp_password) == "hunter2-hunter2"


def test_a_webhook_disable_window_as_long_as_retention_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="EVENT_ENDPOINT_DISABLE_AFTER_SECONDS"):
        settings_from_env(
            {
                "SEATGATE_EVENT_RETENTION_DAYS": "2",
                "SEATGATE_EVENT_ENDPOINT_DISABLE_AFTER_SECONDS": str(3 * 86400),
            }
        )
    with pytest.raises(SettingsError, match="EVENT_RETENTION_DAYS"):
        settings_from_env({"SEATGATE_EVENT_RETENTION_DAYS": "0"})
    assert settings_from_env({"SEATGATE_EVENT_RETENTION_DAYS": "7"}).event_retention_days == 7


def test_a_cli_flag_wins_over_the_environment_and_says_so() -> None:
    loaded = load_settings(
        {"SEATGATE_PORT": "9000", "SEATGATE_HOST": "0.0.0.0"}, cli={"port": 9100, "host": None}
    )
    assert (loaded.settings.port, loaded.settings.host) == (9100, "0.0.0.0")
    assert str(loaded.origins["port"]) == "CLI flag --port"
    assert str(loaded.origins["host"]) == "environment SEATGATE_HOST"
    assert str(loaded.origins["smtp_port"]) == "default"


def test_a_bad_flag_is_refused_by_the_flags_name() -> None:
    with pytest.raises(SettingsError, match=r"^--port: Input should be greater than or equal to 0"):
        load_settings({}, cli={"port": -1})


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "seatgate.env"
    env_file.write_text("SEATGATE_PORT=9200\nSEATGATE_SMTP_HOST=mail.example\n")
    loaded = load_settings({"SEATGATE_PORT": "9300"}, env_file=env_file)
    assert (loaded.settings.port, loaded.settings.smtp_host) == (9300, "mail.example")
    assert str(loaded.origins["smtp_host"]) == "env file SEATGATE_SMTP_HOST"


def test_a_missing_env_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="--env-file"):
        load_settings({}, env_file=tmp_path / "absent.env")


def test_a_misspelt_variable_is_reported_not_silently_ignored() -> None:
    loaded = load_settings({"SEATGATE_PROT": "9000", "SEATGATE_PORT": "9001", "PATH": "/bin"})
    assert loaded.unknown == ("SEATGATE_PROT",)


def test_settings_built_in_code_do_not_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEATGATE_PORT", "9400")
    assert Settings().port == 8000
    assert Settings(port=9500).replace(host="0.0.0.0").port == 9500
    with pytest.raises(ValueError, match="port"):
        Settings().replace(port="eighty")
