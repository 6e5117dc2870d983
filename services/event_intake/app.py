"""Flask application factory for event_intake (``flask --app services.event_intake.app``)."""

from __future__ import annotations

from flask import Flask

from services.event_intake import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
