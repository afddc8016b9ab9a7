"""Settings from the environment: typed values, and a clear refusal of unusable ones."""

import pytest

from gateway.config import Settings, SettingsError


def test_settings_read_typed_values_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SEATGATE_PORT": "9000",
            "SEATGATE_SMTP_STARTTLS": "yes",
            "SEATGATE_STRIPE_LEGACY_PRICES": '{"price_2019_seat": "per_seat"}',
        }
    )
    assert settings.port == 9000
    assert settings.smtp_starttls is True
    assert settings.stripe_legacy_prices == {"price_2019_seat": "per_seat"}


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("SEATGATE_PORT", "eighty", "SEATGATE_PORT must be a int"),
        ("SEATGATE_SMTP_STARTTLS", "maybe", "SEATGATE_SMTP_STARTTLS must be a bool"),
        ("SEATGATE_STRIPE_LEGACY_PRICES", "[1, 2]", "must be a JSON object"),
        ("SEATGATE_STRIPE_LEGACY_PRICES", "{not json", "must be a JSON object"),
    ],
)
def test_an_unusable_setting_is_refused_by_name(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: raw})


def test_a_webhook_disable_window_as_long_as_retention_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="EVENT_ENDPOINT_DISABLE_AFTER_SECONDS"):
        Settings.from_env(
            {
                "SEATGATE_EVENT_RETENTION_DAYS": "2",
                "SEATGATE_EVENT_ENDPOINT_DISABLE_AFTER_SECONDS": str(3 * 86400),
            }
        )
    with pytest.raises(SettingsError, match="EVENT_RETENTION_DAYS"):
        Settings.from_env({"SEATGATE_EVENT_RETENTION_DAYS": "0"})
    assert Settings.from_env({"SEATGATE_EVENT_RETENTION_DAYS": "7"}).event_retention_days == 7
