from shared.events.topics import Topic
from shared.kafka.admin import topic_plan


def test_plan_has_every_topic_and_its_dlq_with_the_enum_settings() -> None:
    plan = topic_plan()
    assert len(plan) == 2 * len(Topic)
    for topic in Topic:
        for name in (topic.value, topic.dlq):
            assert plan[name]["num_partitions"] == topic.spec.partitions
            assert plan[name]["replication_factor"] == 1
            assert plan[name]["configs"] == {"retention.ms": str(topic.spec.retention_ms)}


def test_plan_can_be_narrowed_and_replicated() -> None:
    plan = topic_plan([Topic.PATROL_POINTS], replication_factor=3)
    assert set(plan) == {"gridgov.patrol.points", "gridgov.patrol.points.dlq"}
    assert plan["gridgov.patrol.points"]["replication_factor"] == 3
