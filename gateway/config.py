"""Settings, read from the environment and CLI flags when the process starts, never at import."""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from auth.key_encryption import KeyEncryption
from gateway.proxy_networks import parse_networks

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///seatgate.db"


class SettingsError(ValueError):
    """An environment variable holds a value seatgate cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Public URL of the gateway: the JWT issuer and the base of SCIM `meta.location`.
    public_url: str | None = None
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated): gateway/forwarded.py.
    trusted_proxies: str = ""
    admin_token: str | None = None
    # When set, scraping /metrics needs `Authorization: Bearer <metrics_token>`.
    metrics_token: str | None = None
    # SCIM request limits.
    scim_max_body_bytes: int = 1024 * 1024
    scim_max_bulk_operations: int = 1000
    scim_max_filter_results: int = 1000
    scim_patch_response_max_members: int = 1000
    scim_rate_limit_per_second: float = 50.0
    scim_rate_limit_burst: int = 200
    # SCIM connection telemetry is counted in memory and added to the database this often.
    scim_telemetry_flush_seconds: float = 10.0
    # Product tokens.
    token_audience: str = "seatgate-product"
    token_lifetime_seconds: int = 900
    # Fernet keys, comma-separated, that encrypt the signing keys at rest: the first encrypts,
    # all decrypt (auth/key_encryption.py). Unset: plain PEM, which `seatgate serve` and
    # `seatgate worker` refuse on PostgreSQL unless allow_plaintext_signing_keys is set.
    key_encryption_keys: str = ""
    allow_plaintext_signing_keys: bool = False
    # Alerts.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "seatgate@localhost"
    smtp_starttls: bool = False
    alert_digest_seconds: int = 300
    # The mass-deprovisioning guard (docs/deprovisioning-guard.md): within the window, an org
    # may lose this share of its members or this many, whichever is smaller; further
    # deactivations and deletions from its IdP are held for an admin. Orgs may override each.
    deprovision_guard_share: float = 0.2
    deprovision_guard_count: int = 500
    deprovision_guard_window_seconds: int = 3600
    run_worker: bool = True
    worker_poll_seconds: float = 1.0
    # First wait before retrying a failed delivery; doubles per attempt up to 15 minutes.
    worker_retry_seconds: float = 5.0
    # The event feed: events older than this are pruned (a cursor among them gets 410); the
    # worker prunes once per interval.
    event_retention_days: int = 30
    prune_interval_seconds: float = 3600.0
    # Event webhooks (gateway/event_delivery.py): one request's timeout; the first wait after a
    # failure, doubling per attempt up to the max; how long a process delivering an endpoint
    # holds it (renewed per event; after a crash, others take over once it runs out); and how
    # long an endpoint may fail without a break before it is disabled.
    event_delivery_timeout_seconds: float = 10.0
    event_delivery_retry_seconds: float = 1.0
    event_delivery_max_retry_seconds: float = 3600.0
    event_delivery_lease_seconds: float = 60.0
    event_endpoint_disable_after_seconds: float = 3 * 24 * 3600.0
    # The admin console: how long a portal or magic link stays valid, and when a session ends
    # (after this long unused, and this long after sign-in whatever happens).
    console_link_lifetime_seconds: int = 600
    console_session_idle_seconds: int = 1800
    console_session_max_seconds: int = 12 * 3600
    # Outgoing webhooks (alert channels, event endpoints) may not target loopback, private,
    # link-local or other non-public addresses unless this is set (tests use loopback receivers).
    allow_private_webhook_urls: bool = False
    # A request body must arrive whole within this many seconds of its headers (else 408).
    body_read_timeout_seconds: float = 30.0
    # Billing.
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_free_capacity: int | None = None
    stripe_legacy_prices: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as error:
            raise SettingsError(f"SEATGATE_TRUSTED_PROXIES: {error}") from None
        try:
            KeyEncryption.from_setting(self.key_encryption_keys)
        except ValueError as error:
            raise SettingsError(str(error)) from None
        if not 0 <= self.deprovision_guard_share <= 1:
            raise SettingsError("SEATGATE_DEPROVISION_GUARD_SHARE must be between 0 and 1")
        if self.deprovision_guard_count < 0:
            raise SettingsError("SEATGATE_DEPROVISION_GUARD_COUNT must be 0 or more")
        if self.deprovision_guard_window_seconds < 1:
            raise SettingsError("SEATGATE_DEPROVISION_GUARD_WINDOW_SECONDS must be at least 1")
        if not self.scim_telemetry_flush_seconds > 0:
            raise SettingsError("SEATGATE_SCIM_TELEMETRY_FLUSH_SECONDS must be above 0")
        if self.event_retention_days < 1:
            raise SettingsError("SEATGATE_EVENT_RETENTION_DAYS must be at least 1")
        # An endpoint must be disabled (and its admins told) before the events it has not
        # received are pruned; otherwise it would silently skip them.
        if self.event_endpoint_disable_after_seconds >= self.event_retention_days * 86400:
            raise SettingsError(
                "SEATGATE_EVENT_ENDPOINT_DISABLE_AFTER_SECONDS must be shorter than "
                "SEATGATE_EVENT_RETENTION_DAYS, so that a failing endpoint is disabled before "
                "the events it missed are pruned"
            )

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def key_encryption(self) -> KeyEncryption:
        return KeyEncryption.from_setting(self.key_encryption_keys)

    def with_overrides(self, **overrides: Any) -> "Settings":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, kind in _ENV_FIELDS.items():
            raw = env.get(f"SEATGATE_{name.upper()}")
            if raw is None or raw == "":
                continue
            values[name] = _parse(name, raw, kind)
        return cls(**values)


def _parse(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is dict:
            parsed = json.loads(raw)
            if not isinstance(parsed, dict):
                raise ValueError(raw)
            return parsed
        if kind is bool:
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes"}
        return kind(raw)
    except ValueError:
        what = "JSON object" if kind is dict else kind.__name__
        raise SettingsError(f"SEATGATE_{name.upper()} must be a {what}, got {raw!r}") from None


_ENV_FIELDS: dict[str, type] = {
    "database_url": str,
    "host": str,
    "port": int,
    "public_url": str,
    "trusted_proxies": str,
    "admin_token": str,
    "metrics_token": str,
    "scim_max_body_bytes": int,
    "scim_max_bulk_operations": int,
    "scim_max_filter_results": int,
    "scim_patch_response_max_members": int,
    "scim_rate_limit_per_second": float,
    "scim_rate_limit_burst": int,
    "scim_telemetry_flush_seconds": float,
    "token_audience": str,
    "token_lifetime_seconds": int,
    "key_encryption_keys": str,
    "allow_plaintext_signing_keys": bool,
    "smtp_host": str,
    "smtp_port": int,
    "smtp_username": str,
    "smtp_password": str,
    "smtp_sender": str,
    "smtp_starttls": bool,
    "alert_digest_seconds": int,
    "deprovision_guard_share": float,
    "deprovision_guard_count": int,
    "deprovision_guard_window_seconds": int,
    "run_worker": bool,
    "worker_poll_seconds": float,
    "worker_retry_seconds": float,
    "event_delivery_timeout_seconds": float,
    "event_delivery_retry_seconds": float,
    "event_delivery_max_retry_seconds": float,
    "event_delivery_lease_seconds": float,
    "event_endpoint_disable_after_seconds": float,
    "event_retention_days": int,
    "prune_interval_seconds": float,
    "console_link_lifetime_seconds": int,
    "console_session_idle_seconds": int,
    "console_session_max_seconds": int,
    "allow_private_webhook_urls": bool,
    "body_read_timeout_seconds": float,
    "stripe_secret_key": str,
    "stripe_webhook_secret": str,
    "stripe_api_base": str,
    "stripe_free_capacity": int,
    "stripe_legacy_prices": dict,
}
