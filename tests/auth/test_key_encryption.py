"""Signing keys encrypted at rest under SEATGATE_KEY_ENCRYPTION_KEYS: what the database holds,
rotation of the signing key and of the encryption key, re-encryption, and start-up refusals."""

import asyncio
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from auth.key_encryption import KeyEncryption, KeyEncryptionError, generate_encryption_key
from auth.keys import rotate
from auth.routes import PRODUCT_TOKENS
from auth.storage import key_store
from gateway import key_commands
from gateway.app import create_app
from gateway.cli import main
from gateway.config import Settings, SettingsError, reveal
from gateway.key_commands import plaintext_refusal
from gateway.keys import DATABASE
from seats.storage.database import Database
from tests.auth.conftest import AddMember, request_token
from tests.auth.test_introspection import introspect
from tests.helpers import settings_from_env

PEM_MARKERS = ("-----BEGIN", "PRIVATE KEY")


async def _token(client: TestClient, product: dict[str, str], org_id: str) -> str:
    status, body = await request_token(client, product, org_id=org_id, user_name="ada")
    assert status == 200, body
    return body["access_token"]


async def _stored(client: TestClient) -> dict[str, str]:
    async with client.app[DATABASE].read() as conn:
        return await key_store.stored_private_halves(conn)


def _stored_in(database_url: str) -> dict[str, str]:
    async def read() -> dict[str, str]:
        database = Database(database_url)
        try:
            async with database.read() as conn:
                return await key_store.stored_private_halves(conn)
        finally:
            await database.dispose()

    return asyncio.run(read())


async def _active(client: TestClient, product: dict[str, str], token: str) -> bool:
    status, body = await introspect(client, product, token)
    assert status == 200, body
    return bool(body["active"])


def _with_keys(settings: Settings, keys: str) -> Settings:
    return settings.replace(key_encryption_keys=keys)


async def test_the_stored_private_key_is_ciphertext_not_pem(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    await _token(client, product, org["id"])
    (stored,) = (await _stored(client)).values()
    assert not any(marker in stored for marker in PEM_MARKERS)
    assert "PRIVATE KEY" in client.app[PRODUCT_TOKENS].encryption.unseal(stored, "k")


async def test_tokens_verify_across_a_signing_key_rotation_with_every_key_encrypted(
    client: TestClient, org: dict[str, Any], product: dict[str, str], add_member: AddMember
) -> None:
    await add_member(org["id"], "ada")
    before = await _token(client, product, org["id"])
    async with client.app[DATABASE].transaction() as conn:
        await rotate(
            conn,
            client.app[PRODUCT_TOKENS].encryption,
            token_lifetime_seconds=900,
            publish_delay_seconds=0,
        )
    client.app[PRODUCT_TOKENS].keys.invalidate()
    after = await _token(client, product, org["id"])
    stored = await _stored(client)
    assert len(stored) == 2
    assert not any(marker in value for value in stored.values() for marker in PEM_MARKERS)
    assert await _active(client, product, before)
    assert await _active(client, product, after)


async def test_plaintext_keys_keep_working_and_are_encrypted_at_the_next_start(
    aiohttp_client: Any,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    plain = await aiohttp_client(create_app(_with_keys(settings, "")))
    await add_member(org["id"], "ada")
    issued_plain = await _token(plain, product, org["id"])
    (stored,) = (await _stored(plain)).values()
    assert stored.startswith("-----BEGIN")
    encrypted = await aiohttp_client(create_app(settings))
    (stored,) = (await _stored(encrypted)).values()
    assert not any(marker in stored for marker in PEM_MARKERS)
    assert await _active(encrypted, product, issued_plain)
    assert await _active(encrypted, product, await _token(encrypted, product, org["id"]))


async def test_a_new_encryption_key_first_then_reencrypt_then_the_old_key_can_go(
    aiohttp_client: Any,
    client: TestClient,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_member(org["id"], "ada")
    issued = await _token(client, product, org["id"])
    old_key, new_key = reveal(settings.key_encryption_keys), generate_encryption_key()
    before = await _stored(client)
    monkeypatch.setenv("SEATGATE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SEATGATE_KEY_ENCRYPTION_KEYS", f"{new_key},{old_key}")
    assert await asyncio.to_thread(main, ["keys", "reencrypt"]) == 0
    after = await _stored(client)
    assert after.keys() == before.keys()
    only_new = KeyEncryption.from_setting(new_key)
    for kid, sealed in after.items():
        assert sealed != before[kid]
        assert "PRIVATE KEY" in only_new.unseal(sealed, kid)
    restarted = await aiohttp_client(create_app(_with_keys(settings, new_key)))
    assert await _active(restarted, product, issued)
    assert await _active(restarted, product, await _token(restarted, product, org["id"]))


async def test_reencrypt_encrypts_keys_stored_as_plain_pem(
    aiohttp_client: Any,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = await aiohttp_client(create_app(_with_keys(settings, "")))
    await add_member(org["id"], "ada")
    await _token(plain, product, org["id"])
    monkeypatch.setenv("SEATGATE_DATABASE_URL", settings.database_url)
    assert await asyncio.to_thread(main, ["keys", "reencrypt"]) == 0
    assert "re-encrypted 1 signing key(s)" in capsys.readouterr().out
    (stored,) = (await _stored(plain)).values()
    assert not any(marker in stored for marker in PEM_MARKERS)


async def test_a_wrong_encryption_key_stops_start_up_naming_the_setting(
    aiohttp_client: Any,
    client: TestClient,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    await add_member(org["id"], "ada")
    await _token(client, product, org["id"])
    refused = create_app(_with_keys(settings, generate_encryption_key()))
    with pytest.raises(KeyEncryptionError, match="SEATGATE_KEY_ENCRYPTION_KEYS"):
        await aiohttp_client(refused)
    # The refused app closed what it had started; a host's cleanup after it finds nothing.
    await refused.cleanup()
    with pytest.raises(KeyEncryptionError, match="SEATGATE_KEY_ENCRYPTION_KEYS is not set"):
        await aiohttp_client(create_app(_with_keys(settings, "")))


def test_seatgate_refuses_a_wrong_key_with_a_message_not_a_traceback(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEATGATE_DATABASE_URL", database_url)
    assert main(["keys", "rotate"]) == 0
    assert len(_stored_in(database_url)) == 1
    monkeypatch.setenv("SEATGATE_KEY_ENCRYPTION_KEYS", generate_encryption_key())
    capsys.readouterr()
    for command in (["serve", "--port", "0"], ["worker"], ["keys", "rotate"], ["keys", "list"]):
        assert main(command) == 2
        error = capsys.readouterr().err
        assert error.startswith("seatgate: signing key ")
        assert "SEATGATE_KEY_ENCRYPTION_KEYS" in error
        assert "Traceback" not in error
    assert len(_stored_in(database_url)) == 1


def test_postgresql_without_an_encryption_key_is_refused_unless_plaintext_is_allowed() -> None:
    postgres = Settings(database_url="postgresql+asyncpg://db.example/seatgate")
    refusal = plaintext_refusal(postgres)
    assert refusal is not None and "SEATGATE_KEY_ENCRYPTION_KEYS" in refusal
    allowed = postgres.replace(allow_plaintext_signing_keys=True)
    assert plaintext_refusal(allowed) is None
    encrypted = postgres.replace(key_encryption_keys=generate_encryption_key())
    assert plaintext_refusal(encrypted) is None
    assert plaintext_refusal(Settings(database_url="sqlite+aiosqlite:///quick.db")) is None


def test_seatgate_serve_on_postgresql_without_a_key_exits_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SEATGATE_KEY_ENCRYPTION_KEYS", raising=False)
    # Refused before any connection: no server has to listen at this address.
    url = "postgresql+asyncpg://postgres@127.0.0.1:9/none"
    for command in (["serve", "--database-url", url], ["worker", "--database-url", url]):
        assert main(command) == 2
        assert "SEATGATE_ALLOW_PLAINTEXT_SIGNING_KEYS" in capsys.readouterr().err


def test_without_a_key_serve_says_once_that_keys_stay_plain_pem(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="seatgate.keys"):
        assert key_commands.stored_key_refusal(_with_keys(settings, "")) is None
    assert caplog.text.count("SEATGATE_KEY_ENCRYPTION_KEYS is not set") == 1


async def test_without_a_key_the_sqlite_quickstart_keeps_pem_and_issues_tokens(
    aiohttp_client: Any,
    settings: Settings,
    org: dict[str, Any],
    product: dict[str, str],
    add_member: AddMember,
) -> None:
    plain = await aiohttp_client(create_app(_with_keys(settings, "")))
    await add_member(org["id"], "ada")
    assert await _active(plain, product, await _token(plain, product, org["id"]))


def test_a_malformed_encryption_key_is_a_settings_error_naming_its_position() -> None:
    good = generate_encryption_key()
    with pytest.raises(SettingsError, match="SEATGATE_KEY_ENCRYPTION_KEYS: key 2 is not"):
        settings_from_env({"SEATGATE_KEY_ENCRYPTION_KEYS": f"{good}, not-a-key"})
    assert settings_from_env({"SEATGATE_KEY_ENCRYPTION_KEYS": f" {good} "}).key_encryption.enabled
