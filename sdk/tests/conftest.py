"""The SDK's own tests need no gateway: a JWKS endpoint on loopback (the standard library's
HTTP server in a thread) and tokens signed here, in the low-S form seatgate signs."""

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ISSUER = "https://seatgate.example"
AUDIENCE = "seatgate-product"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def scalars(token: str) -> tuple[int, int]:
    signature = token.rpartition(".")[2]
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def with_s(token: str, s: int) -> str:
    r, _ = scalars(token)
    return f"{token.rpartition('.')[0]}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@dataclass
class SigningKey:
    kid: str
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwk(self) -> dict[str, Any]:
        public = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "ES256"}

    def sign(self, **overrides: Any) -> str:
        """A token as seatgate issues one (low-S), with chosen claims."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "member-1",
            "org_id": "org-1",
            "user_name": "ada@example.test",
            "seat_status": "active",
            "seat_over_limit": False,
            "iat": now,
            "nbf": now,
            "exp": now + 900,
            "jti": "jti-1",
            **overrides,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        token = jwt.encode(claims, self.private, algorithm="ES256", headers={"kid": self.kid})
        _, s = scalars(token)
        return with_s(token, min(s, P256_ORDER - s))


@dataclass
class JwksServer:
    """Serves `document` at /.well-known/jwks.json with `status`; counts the requests."""

    document: Any
    status: int = 200
    delay_seconds: float = 0.0
    requests: int = 0
    url: str = ""

    def serve(self) -> Iterator["JwksServer"]:
        server_state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server_state.requests += 1
                time.sleep(server_state.delay_seconds)
                body = json.dumps(server_state.document).encode()
                self.send_response(server_state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    yield from JwksServer({"keys": [key.jwk()]}).serve()
