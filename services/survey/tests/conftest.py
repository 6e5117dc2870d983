"""survey's tests run with field keys of their own, made for the session (ADR 13): frames,
link tokens and response ids need them, as the service's bootstrap installs them at start."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from shared.crypto import KEY_BYTES, FieldCrypto, Keyring, configure_field_crypto


@pytest.fixture(scope="session")
def session_field_crypto() -> FieldCrypto:
    """Fresh random keys: encryption key ``t1``, HMAC key ``h1``."""
    return FieldCrypto.from_keyrings(
        Keyring([("t1", os.urandom(KEY_BYTES))]), Keyring([("h1", os.urandom(KEY_BYTES))])
    )


@pytest.fixture(autouse=True)
def field_crypto(session_field_crypto: FieldCrypto) -> Iterator[FieldCrypto]:
    """The session's keys, installed for every test of the service; removed afterwards."""
    configure_field_crypto(session_field_crypto)
    yield session_field_crypto
    configure_field_crypto(None)
