"""Secrets never reach a log line: a structlog processor that masks them by construction.

It runs on every line, the gateway's own and every library's, after the message is formatted
and the exception rendered, so a secret cannot slip through in a `%s` argument or an exception
message. Two rules, applied to the whole event dict, nested dicts and lists included:

- a value under a secret-looking key (`authorization`, `cookie`, `client_secret`, anything
  ending in `token`, `secret`, `password`, `signature`, `_key`...) is replaced whatever it holds;
- inside any string, what looks like a secret is masked where it stands: seatgate's own secrets
  by their prefixes (SCIM tokens, admin tokens, client secrets, console links and sessions),
  webhook signing secrets (`whsec_`), Stripe secret and restricted keys, the credentials after
  `Bearer`/`Basic`, JWTs, Standard Webhooks/Stripe signatures, a password in a URL, and the
  literal secrets of the settings (an admin token chosen by the operator has no prefix).

The kept prefix (`sgscim_[redacted]`) says which kind of secret was there.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auth import admin_tokens, clients, console_access, scim_tokens
from gateway.config import Settings, reveal

MASK = "[redacted]"
SECRET_KEYS = frozenset(
    {"authorization", "proxy_authorization", "cookie", "set_cookie", "secret", "password"}
)
# Fields the gateway itself fills with values it made (no scan needed).
SAFE_KEYS = frozenset({"timestamp", "level", "logger", "route", "request_id", "method"})
SECRET_KEY_ENDINGS = ("token", "secret", "password", "signature", "_key", "cookie", "credentials")
# seatgate's own secrets are `<prefix>_<43 url-safe characters>` (auth/secrets.py).
SEATGATE_PREFIXES = (
    scim_tokens.TOKEN_PREFIX,
    admin_tokens.TOKEN_PREFIX,
    clients.SECRET_PREFIX,
    console_access.LINK_PREFIX,
    console_access.SESSION_PREFIX,
)
# Shorter literals are not masked: they would mask ordinary words.
MIN_LITERAL_LENGTH = 8
_SHORTEST_SECRET = 7

_Event = dict[str, Any]


class Redactor:
    """The processor; `literals` are exact secret values to mask wherever they appear."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        self._rules = _rules(literals)

    def __call__(self, _logger: object, _method: str, event: _Event) -> _Event:
        # The top level is structlog's own copy, changed in place; nested values are the
        # caller's, copied.
        for key, value in event.items():
            if key in SAFE_KEYS:
                continue
            masked = self._value(key, value)
            if masked is not value:
                event[key] = masked
        return event

    def _value(self, key: object, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(key, str) and _is_secret_key(key):
            return MASK
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        kind = type(value)
        if kind is int or kind is float or kind is bool:
            return value
        if isinstance(value, str):
            # Shorter strings can hold no secret the patterns know (`://a:b@` is 7).
            if len(value) >= _SHORTEST_SECRET:
                for rule in self._rules:
                    value = rule.apply(value)
            return value
        if isinstance(value, dict):
            return {k: self._value(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        return value


def settings_secrets(settings: Settings) -> list[str]:
    """The secret values a deployment configures (masked even without a known prefix)."""
    candidates = [
        reveal(settings.admin_token),
        reveal(settings.metrics_token),
        reveal(settings.smtp_password),
        reveal(settings.stripe_secret_key),
        reveal(settings.stripe_webhook_secret),
        *(reveal(settings.key_encryption_keys) or "").split(","),
    ]
    return [value.strip() for value in candidates if value and value.strip()]


# Keys are mostly the code's own; header names come from callers, hence a bounded cache.
@functools.lru_cache(maxsize=1024)
def _is_secret_key(key: str) -> bool:
    normalized = key.lower().replace("-", "_")
    return normalized in SECRET_KEYS or normalized.endswith(SECRET_KEY_ENDINGS)


@dataclass(frozen=True)
class _Rule:
    """A pattern, tried only on strings holding one of its `triggers` (a substring test costs
    a fraction of a regex scan, and most strings hold none); its one group stays in front of
    the mask (empty for a JWT or a literal, masked whole)."""

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]

    def apply(self, text: str) -> str:
        for trigger in self.triggers:
            if trigger in text:
                return self.pattern.sub(_mask, text)
        return text


def _rules(literals: Iterable[str]) -> list[_Rule]:
    prefixes = "|".join(re.escape(prefix) for prefix in SEATGATE_PREFIXES)
    rules = [
        _Rule(
            ("_",), re.compile(rf"(\b(?:{prefixes}|whsec|[sr]k_(?:live|test))_)[A-Za-z0-9+/=_-]+")
        ),
        _Rule(("Bearer", "Basic"), re.compile(r"(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+")),
        _Rule(("v1",), re.compile(r"(\bv1[=,])[A-Za-z0-9+/=]{16,}")),
        _Rule(("://",), re.compile(r"(://[^\s:/@]*:)[^\s@/]+(?=@)")),
        _Rule(("eyJ",), re.compile(r"()\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")),
    ]
    kept = tuple(
        sorted({v for v in literals if len(v) >= MIN_LITERAL_LENGTH}, key=len, reverse=True)
    )
    if kept:
        rules.append(_Rule(kept, re.compile("()(?:" + "|".join(map(re.escape, kept)) + ")")))
    return rules


def _mask(match: re.Match[str]) -> str:
    return match.group(1) + MASK
