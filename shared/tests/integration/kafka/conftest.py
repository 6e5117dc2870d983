from shared.tests.integration.stack import kafka_bootstrap, make_topic, mongo_db, tenant_guard

__all__ = ["kafka_bootstrap", "make_topic", "mongo_db", "tenant_guard"]
