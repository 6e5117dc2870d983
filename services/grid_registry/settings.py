"""grid_registry settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.crypto import FieldCrypto, FieldCryptoError, Keyring
from shared.runtime import ServiceSettings
from shared.settings import Secret, SettingProblem, SettingsError, setting

KEYRING_DOC = "<key id>:<base64 of 32 random bytes>, comma-separated, the current key first"


def _keyring_check(value: Secret) -> str | None:
    try:
        Keyring.parse(value.reveal())
    except FieldCryptoError as exc:
        return str(exc)  # names key ids and positions, never a key
    return None


@dataclass(frozen=True, kw_only=True)
class RegistrySettings(ServiceSettings):
    """The platform's settings and the keys of the key subjects' personal data (ADR 13).

    ``GRIDGOV_FIELD_KEYS`` encrypt ID numbers, phone numbers and notes (AES-256-GCM; the first
    key encrypts, every key decrypts); ``GRIDGOV_FIELD_HMAC_KEYS`` make the ID-number tags that
    find duplicates (HMAC-SHA256; keys of their own). Both are required: the local stack
    generates them once into ``.infra/secrets/`` (``deploy/local/components/services.sh``).
    """

    field_keys: Secret = setting(check=_keyring_check, doc=KEYRING_DOC)  # noqa: RUF009 - a field()
    field_hmac_keys: Secret = setting(check=_keyring_check, doc=KEYRING_DOC)  # noqa: RUF009 - a field()

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            self.field_crypto()
        except FieldCryptoError as exc:  # each keyring is checked above: they share a key
            problem = SettingProblem("GRIDGOV_FIELD_HMAC_KEYS", str(exc))
            raise SettingsError(type(self).__name__, [problem]) from None

    def field_crypto(self) -> FieldCrypto:
        """The cipher and hasher these keys make, for `shared.crypto.configure_field_crypto`."""
        return FieldCrypto.from_keyrings(
            Keyring.parse(self.field_keys.reveal()), Keyring.parse(self.field_hmac_keys.reveal())
        )


def load() -> RegistrySettings:
    return RegistrySettings.from_env(service="grid_registry")
