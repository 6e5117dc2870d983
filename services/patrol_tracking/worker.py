"""Worker process: ``python -m services.patrol_tracking.worker``."""

from services.patrol_tracking import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
