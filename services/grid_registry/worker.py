"""Worker process: ``python -m services.grid_registry.worker`` (outbox relay, metrics)."""

from services.grid_registry import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
