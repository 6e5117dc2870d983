"""Worker process: ``python -m services.survey.worker``."""

from services.survey import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
