"""Every grid_registry process installs its settings' field keys first; the worker runs the
re-encryption pass before its relay."""

from __future__ import annotations

import base64
import os

from services.grid_registry import bootstrap
from services.grid_registry.settings import RegistrySettings
from shared import runtime
from shared.crypto import field_crypto


def settings() -> RegistrySettings:
    def key(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"

    return RegistrySettings.from_env(
        {"GRIDGOV_FIELD_KEYS": key("s2"), "GRIDGOV_FIELD_HMAC_KEYS": key("m2")},
        service="grid_registry",
    )


def test_the_api_installs_the_keys_before_it_serves(monkeypatch):
    seen = []
    monkeypatch.setattr(
        runtime,
        "api_app",
        lambda **kwargs: seen.append(field_crypto().cipher.keyring.ids) or "app",
    )

    assert bootstrap.api(settings()) == "app"
    assert seen == [("s2",)]


def test_the_worker_installs_the_keys_runs_the_pass_then_relays(monkeypatch):
    steps = []
    monkeypatch.setattr(bootstrap, "configure_logging", lambda *args: None)
    monkeypatch.setattr(runtime, "connect_database", lambda s: steps.append("connect"))
    monkeypatch.setattr(
        bootstrap,
        "reencrypt_at_start",
        lambda: steps.append(f"pass with {field_crypto().hasher.keyring.ids[0]}"),
    )
    monkeypatch.setattr(runtime, "run_service_worker", lambda **kwargs: steps.append("relay"))

    bootstrap.worker(settings())

    assert steps == ["connect", "pass with m2", "relay"]
