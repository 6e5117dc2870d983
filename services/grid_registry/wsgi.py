"""gunicorn entry point: ``gunicorn services.grid_registry.wsgi:app``."""

from services.grid_registry.app import create_app

app = create_app()
