"""gunicorn entry point: ``gunicorn services.scoring.wsgi:app``."""

from services.scoring.app import create_app

app = create_app()
