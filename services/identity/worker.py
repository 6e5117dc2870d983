"""Worker process: ``python -m services.identity.worker``."""

from services.identity import bootstrap

if __name__ == "__main__":
    bootstrap.worker()
