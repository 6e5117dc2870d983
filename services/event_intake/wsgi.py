"""gunicorn entry point: ``gunicorn services.event_intake.wsgi:app``."""

from services.event_intake.app import create_app

app = create_app()
