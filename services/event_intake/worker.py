"""Worker process: ``python -m services.event_intake.worker``."""

from services.event_intake import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
