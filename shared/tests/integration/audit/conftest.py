from shared.tests.integration.stack import kafka_bootstrap, make_topic, mongo_db

__all__ = ["kafka_bootstrap", "make_topic", "mongo_db"]
