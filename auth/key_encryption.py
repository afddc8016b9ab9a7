"""Encryption at rest of the signing keys' private half, under keys from the environment.

`SEATGATE_KEY_ENCRYPTION_KEYS` holds one or more Fernet keys (cryptography's authenticated
AES-128-CBC + HMAC-SHA256 tokens), comma-separated: the first encrypts, every one decrypts
(`MultiFernet`). Rotating the encryption key is: put a new key first, run `seatgate keys
reencrypt` (every stored key is then under the new one), drop the old key from the setting.

A stored private key is either a Fernet token or, from before encryption was configured (or
when it is not), plain PEM; PEM always starts with `-----BEGIN`, a Fernet token never does, so
the two need no flag column. Without any key configured, keys are kept (and read) as PEM.
"""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SETTING = "SEATGATE_KEY_ENCRYPTION_KEYS"
_PEM_PREFIX = "-----BEGIN"


class KeyEncryptionError(Exception):
    """A stored signing key cannot be read with the configured encryption keys."""


def generate_encryption_key() -> str:
    """A fresh Fernet key, as `SEATGATE_KEY_ENCRYPTION_KEYS` takes it."""
    return Fernet.generate_key().decode()


def is_plaintext(stored: str) -> bool:
    return stored.startswith(_PEM_PREFIX)


@dataclass(frozen=True)
class KeyEncryption:
    """The configured encryption keys (none: keys are stored as plain PEM)."""

    fernet: MultiFernet | None = None

    @classmethod
    def from_setting(cls, raw: str) -> "KeyEncryption":
        """Parse the comma-separated setting; ValueError names the setting and the bad entry."""
        entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
        if not entries:
            return cls(None)
        keys = []
        for position, entry in enumerate(entries, start=1):
            try:
                keys.append(Fernet(entry))
            except ValueError:
                raise ValueError(
                    f"{SETTING}: key {position} is not a Fernet key (32 url-safe base64-encoded "
                    "bytes; make one with `seatgate keys new-encryption-key`)"
                ) from None
        return cls(MultiFernet(keys))

    @property
    def enabled(self) -> bool:
        return self.fernet is not None

    def seal(self, pem: str) -> str:
        """What to store for the private key `pem`: encrypted under the first key, if any."""
        if self.fernet is None:
            return pem
        return self.fernet.encrypt(pem.encode()).decode()

    def reseal(self, stored: str, kid: str) -> str:
        """`stored` encrypted under the first key (plain PEM is encrypted; a token re-encrypted)."""
        if self.fernet is None:
            raise KeyEncryptionError(f"{SETTING} is not set: there is no key to encrypt with")
        if is_plaintext(stored):
            return self.seal(stored)
        try:
            return self.fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise self._undecryptable(kid) from None

    def unseal(self, stored: str, kid: str) -> str:
        """The PEM of a stored private key; KeyEncryptionError when no configured key opens it."""
        if is_plaintext(stored):
            return stored
        if self.fernet is None:
            raise KeyEncryptionError(
                f"signing key {kid} is stored encrypted, but {SETTING} is not set: set it to "
                "the encryption key(s) the keys were stored under"
            )
        try:
            return self.fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise self._undecryptable(kid) from None

    @staticmethod
    def _undecryptable(kid: str) -> KeyEncryptionError:
        return KeyEncryptionError(
            f"signing key {kid} cannot be decrypted with any key in {SETTING}: the setting "
            "must include the encryption key the signing keys were stored under"
        )
