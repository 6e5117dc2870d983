"""Every Kafka topic of the platform, in one enum (snuba's `Topic` idea).

Code never spells a topic name as a literal: producers, consumers, `ensure_topics` and the
DLQ naming all go through `Topic`. Partitions and retention live in the one table below so a
reviewer sees the whole topology at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DLQ_SUFFIX = ".dlq"
_DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """Physical settings for one topic (its DLQ gets the same partitions and retention)."""

    partitions: int
    retention_ms: int


class Topic(StrEnum):
    """Logical topics; the value is the physical name."""

    IDENTITY_TENANTS = "gridgov.identity.tenants"
    IDENTITY_USERS = "gridgov.identity.users"
    REGISTRY_DIVISIONS = "gridgov.registry.divisions"
    REGISTRY_GRIDS = "gridgov.registry.grids"
    REGISTRY_TEAMS = "gridgov.registry.teams"
    REGISTRY_SUBJECTS = "gridgov.registry.subjects"
    REGISTRY_BASE_INFO = "gridgov.registry.baseinfo"
    REGISTRY_FILINGS = "gridgov.registry.filings"
    INTAKE_EVENTS = "gridgov.intake.events"
    INTAKE_TASKS = "gridgov.intake.tasks"
    INTAKE_INSPECTIONS = "gridgov.intake.inspections"
    INTAKE_RECORDS = "gridgov.intake.records"
    PATROL_POINTS = "gridgov.patrol.points"
    PATROL_DAILY = "gridgov.patrol.daily"
    SURVEY_CAMPAIGNS = "gridgov.survey.campaigns"
    SURVEY_RESPONSES = "gridgov.survey.responses"
    SURVEY_RATES = "gridgov.survey.rates"
    SCORING_RESULTS = "gridgov.scoring.results"

    @property
    def spec(self) -> TopicSpec:
        """Partitions and retention from `TOPIC_SPECS`."""
        return TOPIC_SPECS[self]

    @property
    def dlq(self) -> str:
        """Name of the dead-letter topic holding this topic's poison messages."""
        return dlq_name(self.value)


def dlq_name(topic: str) -> str:
    """`<topic>.dlq`; accepts plain strings so tests can use per-run topic names."""
    return f"{topic}{DLQ_SUFFIX}"


# Registry and identity topics are low-volume facts other services rebuild state from, so they
# keep a long history; GPS points are high-volume and only needed until summarised. The topics
# scoring's metric ledger reads keep an assessment year plus the months its results are closed
# and corrected in, so the ledger can be rebuilt by replaying them (services/scoring/README.md).
_ASSESSMENT_YEAR_MS = 400 * _DAY_MS
TOPIC_SPECS: dict[Topic, TopicSpec] = {
    Topic.IDENTITY_TENANTS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.IDENTITY_USERS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.REGISTRY_DIVISIONS: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.REGISTRY_GRIDS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.REGISTRY_TEAMS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.REGISTRY_SUBJECTS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.REGISTRY_BASE_INFO: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.REGISTRY_FILINGS: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.INTAKE_EVENTS: TopicSpec(partitions=6, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.INTAKE_TASKS: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.INTAKE_INSPECTIONS: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.INTAKE_RECORDS: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.PATROL_POINTS: TopicSpec(partitions=12, retention_ms=7 * _DAY_MS),
    Topic.PATROL_DAILY: TopicSpec(partitions=6, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.SURVEY_CAMPAIGNS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
    Topic.SURVEY_RESPONSES: TopicSpec(partitions=6, retention_ms=90 * _DAY_MS),
    Topic.SURVEY_RATES: TopicSpec(partitions=3, retention_ms=_ASSESSMENT_YEAR_MS),
    Topic.SCORING_RESULTS: TopicSpec(partitions=3, retention_ms=365 * _DAY_MS),
}
