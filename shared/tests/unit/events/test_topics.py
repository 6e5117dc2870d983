from shared.events.topics import DLQ_SUFFIX, TOPIC_SPECS, Topic, dlq_name

EXPECTED = {
    "gridgov.identity.tenants",
    "gridgov.identity.users",
    "gridgov.registry.divisions",
    "gridgov.registry.grids",
    "gridgov.registry.teams",
    "gridgov.registry.subjects",
    "gridgov.registry.baseinfo",
    "gridgov.registry.filings",
    "gridgov.intake.events",
    "gridgov.intake.tasks",
    "gridgov.intake.inspections",
    "gridgov.intake.records",
    "gridgov.patrol.points",
    "gridgov.patrol.daily",
    "gridgov.survey.campaigns",
    "gridgov.survey.responses",
    "gridgov.survey.rates",
    "gridgov.scoring.results",
}


def test_enum_holds_exactly_the_platform_topics() -> None:
    assert {topic.value for topic in Topic} == EXPECTED


def test_every_topic_has_a_spec_and_nothing_else_does() -> None:
    assert set(TOPIC_SPECS) == set(Topic)
    for topic in Topic:
        assert topic.spec.partitions >= 1
        assert topic.spec.retention_ms > 0


def test_dlq_name_appends_suffix() -> None:
    assert Topic.REGISTRY_DIVISIONS.dlq == "gridgov.registry.divisions.dlq"
    assert dlq_name("x.y") == "x.y" + DLQ_SUFFIX
    assert all(not topic.value.endswith(DLQ_SUFFIX) for topic in Topic)


def test_topic_is_a_plain_string_for_clients() -> None:
    assert f"{Topic.PATROL_POINTS}" == "gridgov.patrol.points"
    assert Topic("gridgov.survey.responses") is Topic.SURVEY_RESPONSES
