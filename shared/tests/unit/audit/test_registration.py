"""Every service's API serves the audit trail: `api_app` adds it to the service's blueprints."""

from __future__ import annotations

from typing import Any

import pytest

from shared import runtime
from shared.audit.views import blp as audit_blueprint
from shared.http import Blueprint
from shared.settings import PlatformSettings


def test_api_app_registers_the_audit_trail_beside_the_services_blueprints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(runtime, "connect_database", lambda settings: None)
    monkeypatch.setattr(runtime, "readiness_checks", lambda settings: {})
    monkeypatch.setattr(runtime, "create_app", lambda **kwargs: captured.update(kwargs))
    own = Blueprint("own", __name__, url_prefix="/own")

    runtime.api_app(settings=PlatformSettings.from_env({}, service="sample"), blueprints=[own])

    assert captured["blueprints"] == [own, audit_blueprint]
    assert (audit_blueprint,) == runtime.PLATFORM_BLUEPRINTS
