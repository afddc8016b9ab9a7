"""Settings: every `SEATGATE_*` setting as one typed pydantic-settings model.

`Settings(...)` is defaults plus the arguments given (the tests build it so); the environment,
an env file and the CLI flags are read by `gateway.settings_sources.load_settings` when a command
starts, never at import. docs/configuration.md is generated from this model
(`seatgate config --markdown`); a test fails when the committed page is stale.
"""

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from auth.key_encryption import SETTING as KEY_ENCRYPTION_SETTING
from auth.key_encryption import KeyEncryption
from gateway.proxy_networks import parse_networks

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///seatgate.db"
ENV_PREFIX = "SEATGATE_"
# An operator token shorter than this, or one of the placeholders docs tend to show, is refused.
ADMIN_TOKEN_MIN_LENGTH = 16
PLACEHOLDER_TOKENS = frozenset({"change-me", "changeme", "secret", "password", "admin", "token"})


class SettingsError(ValueError):
    """A setting holds a value seatgate cannot use; the message names the variable."""


def _http_url(value: str) -> str:
    AnyHttpUrl(value)  # refuses what is no http(s) URL; the value is kept as written
    return value


def _database_url(value: str) -> str:
    scheme, separator, _ = value.partition("://")
    if not separator or not scheme:
        raise ValueError("must be a SQLAlchemy URL such as sqlite+aiosqlite:///seatgate.db")
    return value


def _networks(value: str) -> str:
    parse_networks(value)
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Seconds = Annotated[float, Field(gt=0)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid"
    )

    # The server.
    database_url: Annotated[str, AfterValidator(_database_url)] = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database: sqlite+aiosqlite:///path.db, or "
        "postgresql+asyncpg://... for several gateway processes.",
    )
    host: str = Field("127.0.0.1", description="Address `seatgate serve` listens on.")
    port: int = Field(
        8000, ge=0, le=65535, description="Port `seatgate serve` listens on (0: any free port)."
    )
    public_url: HttpUrl | None = Field(
        None,
        description="Public URL of the gateway: the JWT issuer and the base of SCIM "
        "meta.location (default http://HOST:PORT).",
    )
    trusted_proxies: Annotated[str, AfterValidator(_networks)] = Field(
        "",
        description="Reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed.",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Operator bearer token for /admin/v1; while set, it is the only admin token "
        "accepted (else one is generated and printed once on an empty database).",
    )
    metrics_token: SecretStr | None = Field(
        None, description="When set, scraping /metrics needs `Authorization: Bearer <token>`."
    )
    # Logs (gateway/logs.py).
    log_format: Literal["json", "console"] | None = Field(
        None,
        description="json: one JSON object per line; console: text for a person (default: "
        "console when stderr is a terminal, else json).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least level logged; debug applies to seatgate's own loggers only."
    )
    body_read_timeout_seconds: Seconds = Field(
        30.0, description="A request body not complete this long after its headers gets 408."
    )
    allow_private_webhook_urls: bool = Field(
        False,
        description="Allow alert and event webhook URLs on loopback, private or link-local "
        "addresses (tests, closed networks).",
    )
    # SCIM request limits.
    scim_max_body_bytes: int = Field(1024 * 1024, ge=1, description="Larger SCIM bodies get 413.")
    scim_max_bulk_operations: int = Field(
        1000, ge=1, description="Most operations one SCIM Bulk request may carry."
    )
    scim_max_filter_results: int = Field(
        1000, ge=1, description="Most resources one SCIM list or filter answer returns."
    )
    scim_patch_response_max_members: int = Field(
        1000,
        ge=0,
        description="A PATCH on a group with more members answers 200 without `members`.",
    )
    scim_rate_limit_per_second: float = Field(
        50.0, gt=0, description="SCIM requests per second per token; excess gets 429."
    )
    scim_rate_limit_burst: int = Field(
        200, ge=1, description="SCIM requests a token may send at once above the steady rate."
    )
    scim_telemetry_flush_seconds: Seconds = Field(
        10.0,
        description="SCIM connection telemetry is counted in memory and added to the database "
        "this often.",
    )
    # Product tokens.
    token_audience: str = Field(
        "seatgate-product", min_length=1, description="The `aud` claim of product tokens."
    )
    token_lifetime_seconds: int = Field(
        900, ge=1, le=86400, description="How long a product token is valid."
    )
    key_encryption_keys: SecretStr | None = Field(
        None,
        description="Fernet keys, comma-separated, encrypting the token signing keys at rest: "
        "the first encrypts, all decrypt (`seatgate keys new-encryption-key`); unset, keys are "
        "plain PEM (SQLite: a warning; PostgreSQL: serve refuses).",
    )
    allow_plaintext_signing_keys: bool = Field(
        False, description="Let serve and worker keep plain PEM signing keys on PostgreSQL."
    )
    # Alerts.
    smtp_host: str | None = Field(None, description="SMTP server for alert email (unset: none).")
    smtp_port: Port = Field(25, description="Port of the SMTP server.")
    smtp_username: str | None = Field(None, description="SMTP login name, if it needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_sender: str = Field("seatgate@localhost", description="From address of alert email.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    alert_digest_seconds: int = Field(
        300, ge=0, description="At most one alert message per episode and channel this often."
    )
    # The mass-deprovisioning guard (docs/deprovisioning-guard.md); orgs may override each.
    deprovision_guard_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Within the window an org may lose this share of its members or the "
        "count, whichever is smaller (never fewer than 10); further IdP deactivations and "
        "deletions are held for an admin.",
    )
    deprovision_guard_count: int = Field(
        500, ge=0, description="Members an org may lose within the window (see the share)."
    )
    deprovision_guard_window_seconds: int = Field(
        3600, ge=1, description="The mass-deprovisioning guard's window."
    )
    # The background worker.
    run_worker: bool = Field(
        True, description="`seatgate serve` also runs the background worker in its process."
    )
    worker_poll_seconds: Seconds = Field(1.0, description="How often the worker looks for work.")
    worker_retry_seconds: Seconds = Field(
        5.0,
        description="First wait before retrying a failed delivery; doubles per attempt up to "
        "15 minutes.",
    )
    # The event feed and event webhooks (gateway/event_delivery.py).
    event_retention_days: int = Field(
        30, ge=1, description="Events older than this are pruned (a cursor among them gets 410)."
    )
    prune_interval_seconds: Seconds = Field(
        3600.0, description="How often the worker prunes old events."
    )
    event_delivery_timeout_seconds: Seconds = Field(
        10.0, description="Timeout of one event webhook request."
    )
    event_delivery_retry_seconds: Seconds = Field(
        1.0, description="First wait after a failed event delivery; doubles per attempt."
    )
    event_delivery_max_retry_seconds: Seconds = Field(
        3600.0, description="Longest wait between event delivery attempts."
    )
    event_delivery_lease_seconds: Seconds = Field(
        60.0,
        description="How long a process delivering an endpoint holds it (renewed per event; "
        "after a crash others take over once it runs out).",
    )
    event_endpoint_disable_after_seconds: Seconds = Field(
        3 * 24 * 3600.0,
        description="An endpoint failing this long without a break is disabled (must be "
        "shorter than the retention).",
    )
    # The admin console.
    console_link_lifetime_seconds: int = Field(
        600, ge=1, description="How long a console portal or sign-in link stays valid."
    )
    console_session_idle_seconds: int = Field(
        1800, ge=1, description="A console session ends after this long unused."
    )
    console_session_max_seconds: int = Field(
        12 * 3600, ge=1, description="A console session ends this long after sign-in."
    )
    # Billing.
    stripe_secret_key: SecretStr | None = Field(
        None, description="Stripe API key; unset, billing is off and admins set seat limits."
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None, description="Signing secret of the Stripe webhook endpoint."
    )
    stripe_api_base: HttpUrl | None = Field(
        None, description="Stripe API base URL (a test double or proxy; default Stripe's)."
    )
    stripe_free_capacity: int | None = Field(
        None, ge=0, description="Seats an org without a subscription has when billing is on."
    )
    stripe_legacy_prices: Annotated[Mapping[str, Any], NoDecode] = Field(
        default_factory=dict,
        description='JSON object mapping old price ids to their seat role, e.g. {"price_1": '
        '"per_seat"}.',
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only the arguments: load_settings reads the environment, so that it can tell where
        # each value came from and a test's Settings(...) does not depend on the shell.
        return (init_settings,)

    @field_validator("stripe_legacy_prices", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("must be a JSON object") from None
        if not isinstance(value, Mapping):
            raise ValueError("must be a JSON object")
        return value

    @field_validator("key_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                KeyEncryption.from_setting(value.get_secret_value())
            except ValueError as error:
                raise ValueError(str(error).removeprefix(f"{KEY_ENCRYPTION_SETTING}: ")) from None
        return value

    @field_validator("admin_token")
    @classmethod
    def _strong_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value()
        if token.strip().lower() in PLACEHOLDER_TOKENS or len(token) < ADMIN_TOKEN_MIN_LENGTH:
            raise ValueError(
                f"too weak: use at least {ADMIN_TOKEN_MIN_LENGTH} random characters, e.g. "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value

    @model_validator(mode="after")
    def _disabled_before_pruned(self) -> "Settings":
        # An endpoint must be disabled (and its admins told) before the events it has not
        # received are pruned; otherwise it would silently skip them.
        if self.event_endpoint_disable_after_seconds >= self.event_retention_days * 86400:
            raise ValueError(
                "SEATGATE_EVENT_ENDPOINT_DISABLE_AFTER_SECONDS must be shorter than "
                "SEATGATE_EVENT_RETENTION_DAYS, so that a failing endpoint is disabled before "
                "the events it missed are pruned"
            )
        return self

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def key_encryption(self) -> KeyEncryption:
        return KeyEncryption.from_setting(reveal(self.key_encryption_keys) or "")

    def replace(self, **changes: Any) -> "Settings":
        """A copy with `changes` applied, validated like the original."""
        return type(self)(**{**dict(self), **changes})

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with the overrides that are not None (CLI flags left out are None)."""
        return self.replace(**{k: v for k, v in overrides.items() if v is not None})


def reveal(secret: SecretStr | None) -> str | None:
    """The plain value of a secret setting, for the one place that hands it on."""
    return None if secret is None else secret.get_secret_value()
