from shared.tests.integration.stack import mongo_db, tenant_guard

__all__ = ["mongo_db", "tenant_guard"]
