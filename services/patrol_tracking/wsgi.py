"""gunicorn entry point: ``gunicorn services.patrol_tracking.wsgi:app``."""

from services.patrol_tracking.app import create_app

app = create_app()
