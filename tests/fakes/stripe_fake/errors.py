"""Stripe-shaped errors: `{"error": {"type", "code", "message", "param"}}`, Stripe's statuses."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class StripeError(Exception):
    """Raised anywhere in the fake; the middleware renders it exactly as Stripe would."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://docs.stripe.com/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status)


def no_such(kind: str, object_id: str, *, param: str | None = None) -> StripeError:
    """A missing object: 404 when named by the URL, 400 when named by a parameter (as Stripe)."""
    return StripeError(
        400 if param else 404,
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param or "id",
    )


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def missing(param: str) -> StripeError:
    return StripeError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def card_declined(message: str = "Your card was declined.") -> StripeError:
    return StripeError(
        402,
        message,
        type="card_error",
        code="card_declined",
        extra={"decline_code": "generic_decline"},
    )


def api_error(message: str = "An unknown error occurred") -> StripeError:
    return StripeError(500, message, type="api_error")
