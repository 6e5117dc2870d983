"""Flask application factory for patrol_tracking (``flask --app services.patrol_tracking.app``)."""

from __future__ import annotations

from flask import Flask

from services.patrol_tracking import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
