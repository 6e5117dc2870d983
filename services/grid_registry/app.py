"""Flask application factory for grid_registry (``flask --app services.grid_registry.app``)."""

from __future__ import annotations

from flask import Flask

from services.grid_registry import bootstrap


def create_app() -> Flask:
    return bootstrap.api()
