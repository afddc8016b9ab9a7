"""Signing keys: the JWKS and discovery documents, persistence, and rotation without breakage."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from aiohttp.test_utils import TestClient

from auth.key_encryption import KeyEncryption
from auth.keys import SigningKey, choose_signing_key, load_keys, rotate
from auth.routes import PRODUCT_TOKENS
from gateway.app import create_app
from gateway.cli import main
from gateway.config import Settings
from gateway.keys import DATABASE
from seats.storage.database import Database
from tests.auth.conftest import AddMember, request_token
from tests.helpers import KEY_ENCRYPTION_KEY

T0 = datetime(2030, 1, 1, tzinfo=UTC)


async def _kids(client: TestClient) -> list[str]:
    response = await client.get("/.well-known/jwks.json")
    assert response.status == 200
    return [key["kid"] for key in (await response.json())["keys"]]


async def _token_kid(client: TestClient, product: dict[str, str], org_id: str) -> str:
    status, body = await request_token(client, product, org_id=org_id, user_name="ada")
    assert status == 200, body
    return jwt.get_unverified_header(body["access_token"])["kid"]


async def test_the_jwks_publishes_public_keys_only(client: TestClient) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status == 200
    assert "max-age" in response.headers["Cache-Control"]
    (key,) = (await response.json())["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["alg"] == "ES256"
    assert key["use"] == "sig"
    assert "d" not in key
    assert set(key) == {"kty", "crv", "x", "y", "kid", "alg", "use"}


async def test_the_discovery_document_points_at_the_keys_and_endpoints(client: TestClient) -> None:
    response = await client.get("/.well-known/openid-configuration")
    assert response.status == 200
    body = await response.json()
    assert body["issuer"] == "http://127.0.0.1"
    assert body["jwks_uri"] == "http://127.0.0.1/.well-known/jwks.json"
    assert body["token_endpoint"] == "http://127.0.0.1/auth/v1/tokens"
    assert body["introspection_endpoint"] == "http://127.0.0.1/auth/v1/introspect"
    assert body["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "seat_over_limit" in body["claims_supported"]


async def test_the_signing_key_survives_a_restart(
    aiohttp_client: Any,
    client: TestClient,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    await add_member(org["id"], "ada")
    before = await _token_kid(client, product, org["id"])
    restarted = await aiohttp_client(create_app(settings))
    assert await _kids(restarted) == [before]
    assert await _token_kid(restarted, product, org["id"]) == before


async def test_a_rotation_keeps_the_old_key_published_until_its_tokens_expire(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    old = await _token_kid(client, product, org["id"])
    async with client.app[DATABASE].transaction() as conn:
        rotation = await rotate(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            token_lifetime_seconds=900,
            publish_delay_seconds=0,
        )
    client.app[PRODUCT_TOKENS].keys.invalidate()
    assert sorted(await _kids(client)) == sorted([old, rotation.new_kid])
    assert await _token_kid(client, product, org["id"]) == rotation.new_kid
    (retired,) = rotation.retired
    assert retired.kid == old
    assert retired.retired_at is not None and retired.expires_at is not None
    # The last token the old key signed lives 900 s; a minute of clock skew is allowed on top.
    assert retired.expires_at - retired.retired_at == timedelta(seconds=960)
    async with client.app[DATABASE].read() as conn:
        later = await load_keys(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            now=retired.expires_at + timedelta(seconds=1),
        )
    assert [key.kid for key in later] == [rotation.new_kid]


async def test_a_new_key_is_published_before_it_signs(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    old = await _token_kid(client, product, org["id"])
    async with client.app[DATABASE].transaction() as conn:
        rotation = await rotate(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            token_lifetime_seconds=900,
            publish_delay_seconds=60,
        )
    client.app[PRODUCT_TOKENS].keys.invalidate()
    assert rotation.new_kid in await _kids(client)
    assert await _token_kid(client, product, org["id"]) == old


def _key(kid: str, created: datetime, retired: datetime | None = None) -> SigningKey:
    return SigningKey(kid, None, {}, created, retired, None)  # type: ignore[arg-type]


def test_the_signing_key_is_the_newest_one_published_long_enough() -> None:
    delay = timedelta(seconds=60)
    first = _key("first", T0)
    assert choose_signing_key([first], T0, delay) is first
    old = _key("old", T0, retired=T0 + timedelta(days=1, seconds=60))
    new = _key("new", T0 + timedelta(days=1))
    assert choose_signing_key([old, new], T0 + timedelta(days=1, seconds=30), delay) is old
    assert choose_signing_key([old, new], T0 + timedelta(days=1, seconds=60), delay) is new
    assert choose_signing_key([], T0, delay) is None
    # A key rotated away while young keeps signing until its successor has been published.
    young = _key("young", T0, retired=T0 + timedelta(seconds=70))
    newer = _key("newer", T0 + timedelta(seconds=10))
    assert choose_signing_key([young, newer], T0 + timedelta(seconds=20), delay) is young
    assert choose_signing_key([young, newer], T0 + timedelta(seconds=70), delay) is newer


def test_seatgate_keys_rotate_adds_a_key_and_retires_the_old_one(
    database_url: str, capsys: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SEATGATE_DATABASE_URL", database_url)
    assert main(["keys", "rotate"]) == 0
    first = capsys.readouterr().out
    assert "new signing key" in first
    assert "retired" not in first
    assert main(["keys", "rotate", "--publish-delay", "0"]) == 0
    second = capsys.readouterr().out
    assert "retired" in second and "published until" in second
    assert main(["keys", "list"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2

    async def kids() -> list[SigningKey]:
        database = Database(database_url)
        try:
            async with database.read() as conn:
                return await load_keys(conn, KeyEncryption.from_setting(KEY_ENCRYPTION_KEY))
        finally:
            await database.dispose()

    keys = asyncio.run(kids())
    assert len(keys) == 2
    assert keys[0].retired_at is not None and keys[1].retired_at is None
