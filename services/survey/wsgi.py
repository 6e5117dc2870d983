"""gunicorn entry point: ``gunicorn services.survey.wsgi:app``."""

from services.survey.app import create_app

app = create_app()
