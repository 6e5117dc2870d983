"""Field encryption at rest: AES-256-GCM per value under named keys, and keyed HMAC tags.

Personal identifiers (a resident's ID number, phone numbers) are encrypted one value at a time
by the repository that stores them: domain objects and API answers hold the plain value, the
database only ciphertext. ADR 13.

* `FieldCipher` encrypts with AES-256-GCM (``cryptography``'s ``AESGCM``), a random 96-bit
  nonce per value, and associated data binding the ciphertext to where it is stored
  (`FieldBinding`: tenant, collection, record id, field): a value copied into another tenant,
  record or field does not decrypt. Stored form: ``v1:<key id>:<base64url(nonce || ciphertext
  || tag)>``.
* Keys have ids (`Keyring`, parsed from ``"k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"``):
  the first encrypts, all decrypt. Rotating means putting a new key first, re-encrypting what
  is stored (each value names its key) and then dropping the old key; a value under a key no
  longer held is an `UnknownKey` error naming the key id. With random nonces one key should
  encrypt well under 2**32 values; rotate long before.
* `FieldHasher` computes HMAC-SHA256 tags (``<key id>:<base64url>``) of a value per tenant and
  purpose, under keys of their own: one value gives one tag in a tenant, so a unique index on
  the tag finds a duplicate and an equality query finds the value without storing it; another
  tenant's tag for the same value differs.

Framework-free. The composition root installs the process's keys once at start
(`configure_field_crypto`); repositories take them from `field_crypto()`. No key ever appears
in a ``repr``, a message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT: Final = "v1"
KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
KEY_ID_MAX: Final = 16
_KEY_ID: Final = re.compile(rf"^[A-Za-z0-9_-]{{1,{KEY_ID_MAX}}}$")
_PREFIX: Final = f"{FORMAT}:"


class FieldCryptoError(ValueError):
    """A keyring that cannot be used, or a stored value that cannot be opened."""


class UnknownKey(FieldCryptoError):
    """A stored value or tag names a key id the keyring does not hold."""


class DecryptionFailed(FieldCryptoError):
    """The value was altered, or belongs to another tenant, record or field."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def stored_length(plaintext_bytes: int) -> int:
    """The longest stored form of a value of up to ``plaintext_bytes`` UTF-8 bytes (for a
    column's ``max_length``)."""
    sealed = NONCE_BYTES + plaintext_bytes + TAG_BYTES
    return len(_PREFIX) + KEY_ID_MAX + 1 + -(-sealed * 4 // 3)


@dataclass(frozen=True, slots=True)
class FieldBinding:
    """Where a value is stored; the ciphertext opens only there."""

    tenant_id: str
    collection: str
    record_id: str
    field: str

    def associated_data(self) -> bytes:
        # JSON keeps the parts apart: ("a:b", "c") and ("a", "b:c") bind differently.
        parts = [FORMAT, self.tenant_id, self.collection, self.record_id, self.field]
        return json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Keyring:
    """Keys by id, the first one current. Never shows a key (``repr`` lists the ids)."""

    __slots__ = ("_keys", "current_id")

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise FieldCryptoError("a keyring needs at least one key")
        found: dict[str, bytes] = {}
        for key_id, key in keys:
            if not _KEY_ID.match(key_id):
                raise FieldCryptoError(
                    f"key id {key_id!r} must be 1-{KEY_ID_MAX} letters, digits, '-' or '_'"
                )
            if key_id in found:
                raise FieldCryptoError(f"key id {key_id!r} appears twice")
            if len(key) != KEY_BYTES:
                raise FieldCryptoError(f"key {key_id!r} must be {KEY_BYTES} bytes")
            found[key_id] = bytes(key)
        self._keys = found
        self.current_id: str = keys[0][0]

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """``"k2:<base64>,k1:<base64>"``: comma-separated ``<key id>:<standard base64 of 32
        random bytes>``, the current key first. Errors name the key id, never the key."""
        keys: list[tuple[str, bytes]] = []
        for position, item in enumerate(part.strip() for part in text.split(",")):
            if not item:
                continue
            key_id, colon, encoded = item.partition(":")
            key_id = key_id.strip()
            if not colon:
                raise FieldCryptoError(f"entry {position + 1} must be <key id>:<base64 key>")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise FieldCryptoError(f"key {key_id!r} is not standard base64") from None
            keys.append((key_id, key))
        return cls(keys)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every key id, the current one first."""
        return tuple(self._keys)

    def key(self, key_id: str) -> bytes:
        """The key with ``key_id``; `UnknownKey` when the keyring does not hold it."""
        try:
            return self._keys[key_id]
        except KeyError:
            held = ", ".join(self._keys)
            raise UnknownKey(f"key id {key_id!r} is not in the keyring (holds {held})") from None

    def shares_a_key_with(self, other: Keyring) -> bool:
        """True when a key of this keyring is also one of ``other``'s (under any id)."""
        return not set(self._keys.values()).isdisjoint(other._keys.values())

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id!r}, ids={self.ids!r})"


class FieldCipher:
    """AES-256-GCM of one value at a time, bound to its `FieldBinding`."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def encrypt(self, plaintext: str, binding: FieldBinding) -> str:
        """``v1:<current key id>:<base64url>`` with a fresh random nonce."""
        key_id = self.keyring.current_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keyring.key(key_id)).encrypt(
            nonce, plaintext.encode("utf-8"), binding.associated_data()
        )
        return f"{_PREFIX}{key_id}:{_b64encode(nonce + sealed)}"

    def decrypt(self, stored: str, binding: FieldBinding) -> str:
        """The plain value; `UnknownKey` for a key the keyring lacks, `DecryptionFailed` for
        an altered value or one stored under another binding."""
        key_id, raw = _split(stored)
        key = self.keyring.key(key_id)
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed(f"the value under key {key_id!r} is truncated")
        try:
            plain = AESGCM(key).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], binding.associated_data()
            )
        except InvalidTag:
            raise DecryptionFailed(
                f"the value under key {key_id!r} was altered or belongs to another "
                f"{binding.collection}.{binding.field}"
            ) from None
        return plain.decode("utf-8")

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        """True for a value in the stored form (anything else is a plain legacy value)."""
        return stored.startswith(_PREFIX)

    def is_current(self, stored: str) -> bool:
        """True when ``stored`` is encrypted under the current key."""
        return stored.startswith(f"{_PREFIX}{self.keyring.current_id}:")


def _split(stored: str) -> tuple[str, bytes]:
    fmt, _, rest = stored.partition(":")
    key_id, colon, payload = rest.partition(":")
    if fmt != FORMAT or not colon:
        raise FieldCryptoError(f"not a {FORMAT} encrypted value")
    try:
        return key_id, _b64decode(payload)
    except (binascii.Error, ValueError):
        raise DecryptionFailed(f"the value under key {key_id!r} is not base64url") from None


class FieldHasher:
    """HMAC-SHA256 tags of values per tenant and purpose: duplicates and exact matches."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def tag(self, value: str, *, tenant_id: str, purpose: str) -> str:
        """``<current key id>:<base64url tag>`` of ``value`` in ``tenant_id`` for ``purpose``
        (e.g. ``"subjects.id_number"``)."""
        return self._tag(self.keyring.current_id, value, tenant_id, purpose)

    def tags(self, value: str, *, tenant_id: str, purpose: str) -> tuple[str, ...]:
        """The tag under every key, the current one first: what a lookup must try while
        stored tags are being moved to a new key."""
        return tuple(self._tag(key_id, value, tenant_id, purpose) for key_id in self.keyring.ids)

    def is_current(self, tag: str) -> bool:
        """True when ``tag`` was made with the current key."""
        return tag.startswith(f"{self.keyring.current_id}:")

    def _tag(self, key_id: str, value: str, tenant_id: str, purpose: str) -> str:
        message = json.dumps([purpose, tenant_id, value], ensure_ascii=False, separators=(",", ":"))
        digest = hmac.new(self.keyring.key(key_id), message.encode("utf-8"), hashlib.sha256)
        return f"{key_id}:{_b64encode(digest.digest())}"


@dataclass(frozen=True, slots=True)
class FieldCrypto:
    """The process's field cipher and hasher, with keys of their own."""

    cipher: FieldCipher
    hasher: FieldHasher

    @classmethod
    def from_keyrings(cls, keys: Keyring, hmac_keys: Keyring) -> FieldCrypto:
        """Both keyrings; refused when one key serves both (encryption and tags stay apart)."""
        if keys.shares_a_key_with(hmac_keys):
            raise FieldCryptoError("the HMAC keys must differ from the encryption keys")
        return cls(cipher=FieldCipher(keys), hasher=FieldHasher(hmac_keys))


_configured: FieldCrypto | None = None


def configure_field_crypto(crypto: FieldCrypto | None) -> None:
    """Install the process's field crypto (at start, by the composition root; tests too)."""
    global _configured  # noqa: PLW0603 - one process-wide setting, like the write leases
    _configured = crypto


def field_crypto() -> FieldCrypto:
    """The installed field crypto; `RuntimeError` when the process never configured it."""
    if _configured is None:
        raise RuntimeError(
            "field encryption is not configured: the service's bootstrap calls "
            "configure_field_crypto() with the keys from its settings"
        )
    return _configured


__all__ = [
    "FORMAT",
    "KEY_BYTES",
    "DecryptionFailed",
    "FieldBinding",
    "FieldCipher",
    "FieldCrypto",
    "FieldCryptoError",
    "FieldHasher",
    "Keyring",
    "UnknownKey",
    "configure_field_crypto",
    "field_crypto",
    "stored_length",
]
