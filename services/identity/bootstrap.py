"""The composition root of identity: the one place its parts are wired together."""

from __future__ import annotations

from flask import Flask

from services.identity import views
from services.identity.settings import IdentitySettings, load
from shared import runtime

BLUEPRINTS = (views.blp,)


def api(settings: IdentitySettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=BLUEPRINTS)


def worker(settings: IdentitySettings | None = None) -> None:
    runtime.run_service_worker(settings=settings or load())
