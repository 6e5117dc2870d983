"""survey settings, read once at start (see shared.settings and shared.runtime)."""

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


def _base_url_check(value: str) -> str | None:
    if not value.startswith(("http://", "https://")) or value.endswith("/"):
        return f"must be an http(s) URL without a trailing '/', got {value!r}"
    return None


@dataclass(frozen=True, kw_only=True)
class SurveySettings(ServiceSettings):
    """The platform's settings, the keys of residents' personal data and where residents'
    links point.

    ``GRIDGOV_FIELD_KEYS`` encrypt the sampling frames' phone numbers and addresses and the
    one-time link tokens (AES-256-GCM; the first key encrypts, every key decrypts);
    ``GRIDGOV_FIELD_HMAC_KEYS`` make the keyed tags of households (duplicates, re-imports),
    the response ids a link or interview claims, and the signature of the time the resident
    page was shown (ADR 13). ``GRIDGOV_RESIDENT_BASE_URL``: the public address of this
    service's resident page, which links are built on (``<base>/s/<token>``).
    """

    field_keys: Secret = setting(check=_keyring_check, doc=KEYRING_DOC)  # noqa: RUF009 - a field()
    field_hmac_keys: Secret = setting(check=_keyring_check, doc=KEYRING_DOC)  # noqa: RUF009 - a field()
    resident_base_url: str = setting(
        default="http://127.0.0.1:8105",
        check=_base_url_check,
        doc="public URL of the resident page (links are <base>/s/<token>)",
    )

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


def load() -> SurveySettings:
    return SurveySettings.from_env(service="survey")
