import pytest

from services.identity.settings import DEV_IDENTITY_CLIENT_SECRET, IdentitySettings
from shared.settings import SettingsError


def test_dev_falls_back_to_the_dev_realm_secret():
    settings = IdentitySettings.from_env({"GRIDGOV_ENV": "dev"}, service="identity")
    assert settings.identity_client_id == "gridgov-identity"
    assert settings.client_secret.reveal() == DEV_IDENTITY_CLIENT_SECRET
    assert settings.keycloak_timeout_seconds == 5.0


def test_prod_requires_the_secret():
    with pytest.raises(SettingsError) as caught:
        IdentitySettings.from_env({"GRIDGOV_ENV": "prod"}, service="identity")
    assert [p.variable for p in caught.value.problems] == ["GRIDGOV_IDENTITY_CLIENT_SECRET"]


def test_the_secret_stays_masked():
    settings = IdentitySettings.from_env(
        {"GRIDGOV_ENV": "prod", "GRIDGOV_IDENTITY_CLIENT_SECRET": "s3cr3t-value"},
        service="identity",
    )
    assert settings.client_secret.reveal() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(settings)
    assert "s3cr3t-value" not in str(settings.for_log())
