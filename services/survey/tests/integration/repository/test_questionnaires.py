"""The questionnaire and rate repositories on the real FerretDB: a published version is frozen
once (a retried publish is accepted, other content is not), round trips keep every field, the
tenant wall holds, and a publication's table comes back as it was stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.survey.domain import questionnaires as domain
from services.survey.domain import rates
from services.survey.domain.questionnaires import SatisfactionSpec, VersionSpec
from services.survey.domain.rates import RatedAnswer, RateDefinition, Source
from services.survey.repository.questionnaires import QuestionnaireRepository
from services.survey.repository.rates import RatePublicationRepository, RateSettingsRepository
from shared.errors import Conflict, NotFound
from shared.events.domain import EventOrigin
from shared.periods import parse_period

pytestmark = pytest.mark.integration

NOW = datetime(2026, 10, 8, 2, tzinfo=UTC)
ORIGIN = EventOrigin(producer="survey", actor="u-centre")


def questionnaire() -> domain.Questionnaire:
    return domain.create_questionnaire(
        questionnaire_id="q-1",
        tenant_id="tenant-a",
        spec=VersionSpec(
            name="满意度调查",
            description="",
            questions=[
                {"key": "sat", "kind": "single", "label": "满意吗"},
                {"key": "score", "kind": "rating", "label": "打分", "scale_max": 7},
                {
                    "key": "why",
                    "kind": "text",
                    "label": "原因",
                    "required": False,
                    "max_length": 80,
                },
            ],
            satisfaction=SatisfactionSpec(
                question_key="sat", preset="three_level", basic_credit=Decimal(0)
            ),
        ),
        actor="u-centre",
        now=NOW,
    )


def test_a_published_version_is_frozen_once_and_reads_back_whole(fresh_db):
    repository = QuestionnaireRepository("tenant-a", ORIGIN)
    stored = repository.add_questionnaire(questionnaire())
    published, event = domain.publish(stored, actor="u-centre", now=NOW)
    saved = repository.save_questionnaire(published, [event])
    version = repository.published_version("q-1", 1)
    assert version == saved.current
    assert version.question("score").scale_max == 7
    assert version.question("why").max_length == 80
    assert dict(version.credits) == {
        "satisfied": Decimal(1),
        "basically_satisfied": Decimal(0),
        "unsatisfied": Decimal(0),
    }
    # A publish retried after its first write: the same content is accepted...
    repository.versions.freeze(published.current)
    # ... other content under the same version is not.
    with pytest.raises(Conflict):
        repository.versions.freeze(replace(published.current, name="改过的"))
    assert repository.find("q-1") == saved
    with pytest.raises(NotFound):
        QuestionnaireRepository("tenant-b", ORIGIN).published_version("q-1", 1)
    assert QuestionnaireRepository("tenant-b", ORIGIN).find("q-1") is None


def test_settings_and_publications_round_trip(fresh_db):
    settings = RateSettingsRepository("tenant-a", ORIGIN)
    assert settings.current() == rates.RateSettings()
    changed = rates.change_settings(
        settings.current(),
        sources="survey:0.6,hotline:0.4",
        basic_credit="1",
        minimum=7,
        actor="u-centre",
        now=NOW,
    )
    stored = settings.store(changed)
    assert settings.current() == stored
    assert stored.definition.code == "survey:0.6,hotline:0.4;basic:1"

    definition = RateDefinition(
        weights={Source.SURVEY: Decimal("0.6"), Source.HOTLINE: Decimal("0.4")}
    )
    answers = [RatedAnswer(Source.SURVEY, "g1", "d1", "w1", Decimal("0.5"))] * 6 + [
        RatedAnswer(Source.HOTLINE, "g1", "d1", "w1", Decimal(1))
    ] * 2
    table = rates.compute_rates(answers, definition, tenant_id="tenant-a", minimum=5)
    period = parse_period("quarter", "2026-Q4")
    assert not isinstance(period, str)
    publication, events = rates.publish(None, period=period, table=table, actor="u", now=NOW)
    repository = RatePublicationRepository("tenant-a", ORIGIN)
    repository.store(publication, events)
    found = repository.find(publication.publication_id)
    assert found is not None
    assert found.table.rows == table.rows
    assert (found.edition, found.period, found.table.definition) == (1, period, definition)
    assert RatePublicationRepository("tenant-b", ORIGIN).find(publication.publication_id) is None
