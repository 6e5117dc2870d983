"""The field keys are required, checked at start, kept apart and never shown."""

from __future__ import annotations

import base64
import os

import pytest

from services.grid_registry.settings import RegistrySettings
from shared.crypto import FieldBinding
from shared.settings import SettingsError


def encoded() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def load(**variables: str) -> RegistrySettings:
    return RegistrySettings.from_env(variables, service="grid_registry")


def test_both_keyrings_are_required_and_both_problems_are_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        load()
    assert [p.variable for p in caught.value.problems] == [
        "GRIDGOV_FIELD_KEYS",
        "GRIDGOV_FIELD_HMAC_KEYS",
    ]


def test_a_bad_keyring_is_reported_by_key_id_without_the_key():
    short = base64.b64encode(os.urandom(16)).decode()
    with pytest.raises(SettingsError) as caught:
        load(GRIDGOV_FIELD_KEYS=f"k2:{short}", GRIDGOV_FIELD_HMAC_KEYS=f"h1:{encoded()}")
    (problem,) = caught.value.problems
    assert problem.variable == "GRIDGOV_FIELD_KEYS"
    assert "'k2' must be 32 bytes" in problem.reason
    assert short not in str(caught.value)


def test_one_key_may_not_both_encrypt_and_tag():
    same = encoded()
    with pytest.raises(SettingsError) as caught:
        load(GRIDGOV_FIELD_KEYS=f"k1:{same}", GRIDGOV_FIELD_HMAC_KEYS=f"h1:{same}")
    assert [p.variable for p in caught.value.problems] == ["GRIDGOV_FIELD_HMAC_KEYS"]
    assert same not in str(caught.value)


def test_the_keys_make_the_process_crypto_and_stay_masked():
    k2, k1, h1 = encoded(), encoded(), encoded()
    settings = load(GRIDGOV_FIELD_KEYS=f"k2:{k2},k1:{k1}", GRIDGOV_FIELD_HMAC_KEYS=f"h1:{h1}")

    crypto = settings.field_crypto()
    assert crypto.cipher.keyring.ids == ("k2", "k1")
    assert crypto.hasher.keyring.ids == ("h1",)
    binding = FieldBinding("t", "subjects", "s", "phone")
    assert crypto.cipher.decrypt(crypto.cipher.encrypt("139", binding), binding) == "139"
    shown = repr(settings) + str(settings.for_log()) + repr(crypto)
    for secret in (k2, k1, h1):
        assert secret not in shown
