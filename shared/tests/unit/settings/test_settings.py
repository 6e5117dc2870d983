"""Settings: typed parsing, every problem at once, masked secrets, service extensions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared.settings import PlatformSettings, Secret, SettingsError, setting


def test_defaults_fit_the_local_stack() -> None:
    settings = PlatformSettings.from_env({}, service="grid_registry")
    assert settings.env == "dev"
    assert settings.kafka_bootstrap == ("127.0.0.1:9092",)
    assert settings.mongo_db == "gridgov_grid_registry"
    assert settings.jwt_issuer == "http://127.0.0.1:8080/realms/gridgov"
    assert settings.jwks_url == (
        "http://127.0.0.1:8080/realms/gridgov/protocol/openid-connect/certs"
    )
    assert settings.jwt_audience == "gridgov-api"
    assert settings.jwt_algorithms == ("RS256",)
    assert settings.http_max_body_bytes == 1_048_576


def test_values_are_parsed_from_gridgov_variables() -> None:
    settings = PlatformSettings.from_env(
        {
            "GRIDGOV_SERVICE": "scoring",
            "GRIDGOV_ENV": "prod",
            "GRIDGOV_LOG_LEVEL": "debug",
            "GRIDGOV_HTTP_MAX_BODY_BYTES": "4096",
            "GRIDGOV_KAFKA_BOOTSTRAP": "k1:9092, k2:9093,",
            "GRIDGOV_MONGO_URI": "mongodb://user:pw@db:27017",
            "GRIDGOV_MONGO_DB": "scores",
            "GRIDGOV_KEYCLOAK_URL": "https://sso.example.org/",
            "GRIDGOV_KEYCLOAK_REALM": "gov",
            "GRIDGOV_JWT_ALGORITHMS": "RS256,ES256",
            "GRIDGOV_JWKS_MIN_REFETCH_SECONDS": "12.5",
        }
    )
    assert settings.service == "scoring"
    assert settings.log_level == "DEBUG"
    assert settings.http_max_body_bytes == 4096
    assert settings.kafka_bootstrap == ("k1:9092", "k2:9093")
    assert settings.mongo_uri.reveal() == "mongodb://user:pw@db:27017"
    assert settings.mongo_db == "scores"
    assert settings.jwt_issuer == "https://sso.example.org/realms/gov"
    assert settings.jwt_algorithms == ("RS256", "ES256")
    assert settings.jwks_min_refetch_seconds == 12.5


def test_explicit_issuer_and_jwks_url_win_over_derivation() -> None:
    settings = PlatformSettings.from_env(
        {
            "GRIDGOV_JWT_ISSUER": "https://public.example.org/realms/gridgov",
            "GRIDGOV_JWKS_URL": "http://keycloak.internal:8080/realms/gridgov/protocol/openid-connect/certs",
        },
        service="identity",
    )
    assert settings.jwt_issuer == "https://public.example.org/realms/gridgov"
    assert settings.jwks_url.startswith("http://keycloak.internal:8080/")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as info:
        PlatformSettings.from_env(
            {
                "GRIDGOV_ENV": "production",
                "GRIDGOV_LOG_LEVEL": "LOUD",
                "GRIDGOV_HTTP_MAX_BODY_BYTES": "lots",
                "GRIDGOV_KAFKA_BOOTSTRAP": "kafka-without-port",
                "GRIDGOV_JWT_ALGORITHMS": "RS256,HS256,none",
                "GRIDGOV_JWT_LEEWAY_SECONDS": "-1",
                "GRIDGOV_KEYCLOAK_URL": "ftp://x",
            }
        )
    problems = {p.variable: p.reason for p in info.value.problems}
    assert set(problems) == {
        "GRIDGOV_SERVICE",
        "GRIDGOV_ENV",
        "GRIDGOV_LOG_LEVEL",
        "GRIDGOV_HTTP_MAX_BODY_BYTES",
        "GRIDGOV_KAFKA_BOOTSTRAP",
        "GRIDGOV_JWT_ALGORITHMS",
        "GRIDGOV_JWT_LEEWAY_SECONDS",
        "GRIDGOV_KEYCLOAK_URL",
    }
    assert problems["GRIDGOV_SERVICE"] == "is required but not set"
    assert "HS256, none not allowed" in problems["GRIDGOV_JWT_ALGORITHMS"]
    assert "expected an integer" in problems["GRIDGOV_HTTP_MAX_BODY_BYTES"]
    message = str(info.value)
    assert "8 invalid setting(s)" in message
    for variable in problems:
        assert variable in message


def test_empty_variable_counts_as_unset() -> None:
    settings = PlatformSettings.from_env({"GRIDGOV_ENV": "  "}, service="survey")
    assert settings.env == "dev"


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("On", True), ("1", True), ("no", False), ("0", False)]
)
def test_booleans(raw: str, expected: bool) -> None:
    @dataclass(frozen=True, kw_only=True)
    class Flags(PlatformSettings):
        relay_enabled: bool = setting(default=False)

    assert Flags.from_env({"GRIDGOV_RELAY_ENABLED": raw}, service="x").relay_enabled is expected


def test_service_extension_with_required_secret_and_custom_variable() -> None:
    @dataclass(frozen=True, kw_only=True)
    class PatrolSettings(PlatformSettings):
        max_points_per_batch: int = setting(default=500, minimum=1, maximum=5000)
        geocoder_token: Secret = setting()  # noqa: RUF009 - setting() is a field()
        tenant_calendar: str = setting(default="cn", env="GRIDGOV_PATROL_CALENDAR")
        optional_limit: int | None = setting(default=None)

    with pytest.raises(SettingsError) as info:
        PatrolSettings.from_env({"GRIDGOV_MAX_POINTS_PER_BATCH": "9000"}, service="patrol")
    assert [p.variable for p in info.value.problems] == [
        "GRIDGOV_MAX_POINTS_PER_BATCH",
        "GRIDGOV_GEOCODER_TOKEN",
    ]
    settings = PatrolSettings.from_env(
        {
            "GRIDGOV_GEOCODER_TOKEN": "s3cr3t-token",
            "GRIDGOV_PATROL_CALENDAR": "custom",
            "GRIDGOV_OPTIONAL_LIMIT": "7",
        },
        service="patrol",
    )
    assert settings.geocoder_token.reveal() == "s3cr3t-token"
    assert settings.tenant_calendar == "custom"
    assert settings.optional_limit == 7
    assert "s3cr3t-token" not in repr(settings)
    assert "s3cr3t-token" not in str(settings.for_log())


def test_secret_is_masked_everywhere_but_reveal() -> None:
    secret = Secret("mongodb://u:pw@h")
    assert "pw" not in repr(secret)
    assert "pw" not in str(secret)
    assert "pw" not in f"{secret}"
    assert secret.reveal() == "mongodb://u:pw@h"
    assert secret == Secret("mongodb://u:pw@h")
    settings = PlatformSettings.from_env({"GRIDGOV_MONGO_URI": "mongodb://u:pw@h"}, service="s")
    assert "pw@" not in repr(settings)
    assert settings.for_log()["mongo_uri"] == "**********"


def test_unknown_fixed_value_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no field"):
        PlatformSettings.from_env({}, service="x", colour="red")


def test_settings_are_immutable() -> None:
    settings = PlatformSettings.from_env({}, service="x")
    with pytest.raises(AttributeError):
        settings.env = "prod"  # type: ignore[misc]
