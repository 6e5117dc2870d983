"""Flask application factory for survey (``flask --app services.survey.app``)."""

from __future__ import annotations

from flask import Flask

from services.survey import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
