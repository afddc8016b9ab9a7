"""Everything between the socket and the handlers: API key auth, injected failures,
Idempotency-Key replays and the request log tests assert on."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.stripe_fake import objects
from tests.fakes.stripe_fake.errors import StripeError, api_error, card_declined, invalid
from tests.fakes.stripe_fake.forms import parse_params
from tests.fakes.stripe_fake.routes import PARAMS_KEY
from tests.fakes.stripe_fake.store import current_request

FailureKind = Literal[
    "server_error",  # 500 api_error, before anything is executed
    "rate_limit",  # 429 rate_limit
    "card_declined",  # 402 card_error
    "invalid_request",  # 400 invalid_request_error
    "disconnect",  # the connection is closed before the request is read: nothing executed
    "drop_response",  # executed (and stored for idempotent replay), then the connection closes
]


@dataclass
class LoggedRequest:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    stripe_version: str | None
    request_id: str
    status: int | None = None  # None when the connection was closed instead of answered
    replayed: bool = False
    failure: FailureKind | None = None


@dataclass
class InjectedFailure:
    kind: FailureKind
    remaining: int
    method: str | None = None
    path: str | None = None  # a prefix: "/v1/subscription_items" matches every item URL
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or path.startswith(self.path)
        )

    def error(self) -> StripeError:
        if self.kind == "card_declined":
            return card_declined(self.message or "Your card was declined.")
        if self.kind == "invalid_request":
            return invalid(self.message or "Invalid request (injected by the Stripe fake).")
        if self.kind == "rate_limit":
            return StripeError(429, self.message or "Too many requests.", code="rate_limit")
        return api_error(self.message or "An unknown error occurred (injected).")


@dataclass
class _Stored:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes


@dataclass
class Traffic:
    """The fake's transport-level state, shared by the middleware and the test controller."""

    api_key: str | None = None  # None: any key starting with sk_test_ is accepted
    log: list[LoggedRequest] = field(default_factory=list)
    failures: list[InjectedFailure] = field(default_factory=list)
    idempotent: dict[str, _Stored] = field(default_factory=dict)

    def take_failure(self, method: str, path: str) -> InjectedFailure | None:
        for failure in self.failures:
            if failure.matches(method, path):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.failures.remove(failure)
                return failure
        return None


TRAFFIC_KEY = web.AppKey("stripe_fake_traffic", Traffic)


@web.middleware
async def stripe_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    traffic = request.app[TRAFFIC_KEY]
    method, path = request.method, request.path
    key = request.headers.get("Idempotency-Key") if method in ("POST", "DELETE") else None
    entry = LoggedRequest(
        method, path, {}, key, request.headers.get("Stripe-Version"), objects.new_id("req", 14)
    )
    traffic.log.append(entry)
    failure = traffic.take_failure(method, path)
    if failure is not None:
        entry.failure = failure.kind
    if failure is not None and failure.kind == "disconnect":
        return _hang_up(request)
    stored = False
    try:
        body = await request.text() if method == "POST" else ""
        pairs = parse_qsl(request.query_string, keep_blank_values=True)
        pairs += parse_qsl(body, keep_blank_values=True)
        _authenticate(request, traffic)
        entry.params = params = parse_params(pairs)
        if failure is not None and failure.kind != "drop_response":
            raise failure.error()
        if key is not None and key in traffic.idempotent:
            entry.replayed = True
            response = _replay(traffic.idempotent[key], method, path, params, key)
        else:
            request[PARAMS_KEY] = params
            token = current_request.set({"id": entry.request_id, "idempotency_key": key})
            try:
                response = await handler(request)
            finally:
                current_request.reset(token)
            # Stripe saves the outcome of requests that executed; a request refused by
            # validation saves nothing and may be retried with the same key.
            if key is not None and response.status < 400 and isinstance(response, web.Response):
                traffic.idempotent[key] = _Stored(
                    method, path, params, response.status, response.body
                )  # type: ignore[arg-type]
                stored = True
    except StripeError as exc:
        response = exc.response()
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        response = StripeError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs"
            " or we can help at https://support.stripe.com/.",
        ).response()
    if failure is not None and failure.kind == "drop_response" and stored:
        return _hang_up(request)
    response.headers["Request-Id"] = entry.request_id
    entry.status = response.status
    return response


def _hang_up(request: web.Request) -> web.Response:
    # Closing the transport makes the client see a dropped connection; the response returned
    # below is never written.
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _authenticate(request: web.Request, traffic: Traffic) -> None:
    header = request.headers.get("Authorization", "")
    key: str | None = None
    if header.startswith("Bearer "):
        key = header.removeprefix("Bearer ").strip()
    elif header.startswith("Basic "):
        try:
            key = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not key:
        raise StripeError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details.",
        )
    valid = key == traffic.api_key if traffic.api_key else key.startswith("sk_test_")
    if not valid:
        raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 8}{key[-4:]}")


def _replay(
    stored: _Stored, method: str, path: str, params: dict[str, Any], key: str
) -> web.Response:
    if (stored.method, stored.path) != (method, path):
        raise StripeError(
            400,
            "Keys for idempotent requests can only be used for the same endpoint they "
            f"were first used for ('{stored.method} {stored.path}' vs '{method} {path}'). Try "
            f"using a key other than '{key}' if you meant to execute a different request.",
            type="idempotency_error",
        )
    if stored.params != params:
        raise StripeError(
            400,
            "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to execute "
            "a different request.",
            type="idempotency_error",
        )
    response = web.Response(body=stored.body, status=stored.status, content_type="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
