"""Field encryption and HMAC tags: round trips, bindings, tampering, rotation, key hygiene."""

from __future__ import annotations

import base64
import os

import pytest

from shared import crypto
from shared.crypto import (
    KEY_BYTES,
    DecryptionFailed,
    FieldBinding,
    FieldCipher,
    FieldCrypto,
    FieldCryptoError,
    FieldHasher,
    Keyring,
    UnknownKey,
    configure_field_crypto,
    field_crypto,
    stored_length,
)

ID_NUMBER = "11010519491231002X"
HERE = FieldBinding("tenant-a", "subjects", "s-1", "id_number")


def key() -> bytes:
    return os.urandom(KEY_BYTES)


def text(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(raw).decode()}" for key_id, raw in pairs)


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(Keyring([("k1", key())]))


def test_a_value_round_trips_and_never_shows_in_what_is_stored(cipher: FieldCipher) -> None:
    stored = cipher.encrypt(ID_NUMBER, HERE)

    assert stored.startswith("v1:k1:")
    assert ID_NUMBER not in stored
    assert cipher.is_encrypted(stored)
    assert cipher.decrypt(stored, HERE) == ID_NUMBER
    assert cipher.decrypt(cipher.encrypt("独居老人，社区矫正", HERE), HERE) == "独居老人，社区矫正"


def test_every_encryption_takes_a_fresh_nonce(cipher: FieldCipher) -> None:
    assert cipher.encrypt(ID_NUMBER, HERE) != cipher.encrypt(ID_NUMBER, HERE)


@pytest.mark.parametrize(
    "elsewhere",
    [
        FieldBinding("tenant-b", "subjects", "s-1", "id_number"),  # another tenant
        FieldBinding("tenant-a", "subjects", "s-2", "id_number"),  # another record
        FieldBinding("tenant-a", "subjects", "s-1", "phone"),  # another field
        FieldBinding("tenant-a", "grid_teams", "s-1", "id_number"),  # another collection
    ],
)
def test_a_value_copied_anywhere_else_does_not_decrypt(
    cipher: FieldCipher, elsewhere: FieldBinding
) -> None:
    stored = cipher.encrypt(ID_NUMBER, HERE)
    with pytest.raises(DecryptionFailed, match="altered or belongs to another"):
        cipher.decrypt(stored, elsewhere)


def test_the_same_characters_grouped_otherwise_are_another_place(cipher: FieldCipher) -> None:
    stored = cipher.encrypt(ID_NUMBER, FieldBinding("t", "c", "r:x", "f"))
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(stored, FieldBinding("t", "c:r", "x", "f"))


def test_any_altered_byte_fails_and_says_nothing_of_the_value(cipher: FieldCipher) -> None:
    stored = cipher.encrypt(ID_NUMBER, HERE)
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=="))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        altered = bytearray(raw)
        altered[position] ^= 0x01
        forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(altered)).rstrip(b'=').decode()}"
        with pytest.raises(DecryptionFailed) as raised:
            cipher.decrypt(forged, HERE)
        assert ID_NUMBER not in str(raised.value)
    with pytest.raises(DecryptionFailed, match="truncated"):
        cipher.decrypt(f"{prefix}:{payload[:20]}", HERE)
    with pytest.raises(FieldCryptoError, match="not a v1"):
        cipher.decrypt("v2:k1:" + payload, HERE)


def test_rotation_old_keys_decrypt_the_first_key_encrypts() -> None:
    k1, k2 = key(), key()
    before = FieldCipher(Keyring([("k1", k1)]))
    old = before.encrypt(ID_NUMBER, HERE)
    rotated = FieldCipher(Keyring.parse(text(("k2", k2), ("k1", k1))))

    assert rotated.decrypt(old, HERE) == ID_NUMBER
    assert not rotated.is_current(old)
    new = rotated.encrypt(ID_NUMBER, HERE)
    assert new.startswith("v1:k2:")
    assert rotated.is_current(new)
    # Relabelling a value with another key's id does not open it either.
    with pytest.raises(DecryptionFailed):
        rotated.decrypt(old.replace("v1:k1:", "v1:k2:"), HERE)


def test_a_value_under_a_key_no_longer_held_names_the_key() -> None:
    old = FieldCipher(Keyring([("k1", key())])).encrypt(ID_NUMBER, HERE)
    later = FieldCipher(Keyring([("k3", key()), ("k2", key())]))
    with pytest.raises(UnknownKey, match=r"'k1' is not in the keyring \(holds k3, k2\)"):
        later.decrypt(old, HERE)


def test_plain_values_of_before_are_recognised_as_not_encrypted(cipher: FieldCipher) -> None:
    assert not cipher.is_encrypted(ID_NUMBER)
    assert not cipher.is_encrypted("+86-139-0000-0001")
    assert not cipher.is_current(ID_NUMBER)


def test_the_longest_value_fits_its_stored_length() -> None:
    longest_id = "k" * crypto.KEY_ID_MAX
    cipher = FieldCipher(Keyring([(longest_id, key())]))
    for size in (0, 1, 18, 21, 100, 8000):
        assert len(cipher.encrypt("x" * size, HERE)) <= stored_length(size)


def test_a_keyring_parses_ids_and_standard_base64_and_never_shows_a_key() -> None:
    k2, k1 = key(), key()
    keyring = Keyring.parse(f" {text(('k2', k2))} , {text(('k1', k1))} ,")

    assert keyring.ids == ("k2", "k1")
    assert keyring.current_id == "k2"
    assert keyring.key("k1") == k1
    shown = repr(keyring) + str(keyring)
    for raw in (k2, k1):
        assert base64.b64encode(raw).decode() not in shown
    assert "k2" in shown


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "at least one key"),
        ("k1", "entry 1 must be <key id>:<base64 key>"),
        ("k1:not base64!", "'k1' is not standard base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "'k1' must be 32 bytes"),
        (f"bad id:{base64.b64encode(bytes(32)).decode()}", "1-16 letters"),
        (f"{'k' * 17}:{base64.b64encode(bytes(32)).decode()}", "1-16 letters"),
        (text(("k1", bytes(32)), ("k1", bytes(32))), "'k1' appears twice"),
    ],
)
def test_a_bad_keyring_is_refused_naming_the_problem_not_the_key(value: str, reason: str) -> None:
    with pytest.raises(FieldCryptoError, match=reason) as raised:
        Keyring.parse(value)
    encoded = value.partition(":")[2]
    if len(encoded) > 8:
        assert encoded not in str(raised.value)


def test_a_tag_is_the_same_for_one_value_in_one_tenant_and_differs_elsewhere() -> None:
    hasher = FieldHasher(Keyring([("h1", key())]))

    tag = hasher.tag(ID_NUMBER, tenant_id="tenant-a", purpose="subjects.id_number")
    assert tag == hasher.tag(ID_NUMBER, tenant_id="tenant-a", purpose="subjects.id_number")
    assert tag.startswith("h1:")
    assert ID_NUMBER not in tag
    assert tag != hasher.tag(ID_NUMBER, tenant_id="tenant-b", purpose="subjects.id_number")
    assert tag != hasher.tag(ID_NUMBER, tenant_id="tenant-a", purpose="subjects.phone")
    assert tag != hasher.tag(
        "110105194912310021", tenant_id="tenant-a", purpose="subjects.id_number"
    )
    # Another key, another tag: what a guess without the key cannot reproduce.
    other = FieldHasher(Keyring([("h1", key())]))
    assert tag != other.tag(ID_NUMBER, tenant_id="tenant-a", purpose="subjects.id_number")


def test_tags_under_every_key_let_a_lookup_find_values_tagged_before_a_rotation() -> None:
    h1, h2 = key(), key()
    before = FieldHasher(Keyring([("h1", h1)]))
    after = FieldHasher(Keyring([("h2", h2), ("h1", h1)]))
    old = before.tag(ID_NUMBER, tenant_id="t", purpose="p")

    tags = after.tags(ID_NUMBER, tenant_id="t", purpose="p")
    assert tags == (after.tag(ID_NUMBER, tenant_id="t", purpose="p"), old)
    assert after.is_current(tags[0])
    assert not after.is_current(old)


def test_encryption_and_tags_never_share_a_key() -> None:
    shared_key = key()
    with pytest.raises(FieldCryptoError, match="must differ"):
        FieldCrypto.from_keyrings(
            Keyring([("k1", shared_key)]), Keyring([("h1", key()), ("h0", shared_key)])
        )


def test_the_process_keys_must_be_configured_before_use() -> None:
    configure_field_crypto(None)
    with pytest.raises(RuntimeError, match="field encryption is not configured"):
        field_crypto()
    installed = FieldCrypto.from_keyrings(Keyring([("k1", key())]), Keyring([("h1", key())]))
    configure_field_crypto(installed)
    try:
        assert field_crypto() is installed
    finally:
        configure_field_crypto(None)
