from shared.tests.integration.stack import mongo_db

__all__ = ["mongo_db"]
