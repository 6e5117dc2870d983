"""Flask application factory for identity (``flask --app services.identity.app``)."""

from __future__ import annotations

from flask import Flask

from services.identity import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
