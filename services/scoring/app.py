"""Flask application factory for scoring (``flask --app services.scoring.app``)."""

from __future__ import annotations

from flask import Flask

from services.scoring import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
