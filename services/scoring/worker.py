"""Worker process: ``python -m services.scoring.worker`` (consumers, metrics)."""

from services.scoring import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
