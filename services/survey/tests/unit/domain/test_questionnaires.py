"""Questionnaires: composing a version (presets, listed credits, every bad field named), the
draft -> published -> new draft lifecycle, and judging one set of answers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.survey.domain import questionnaires as domain
from services.survey.domain.questionnaires import (
    Preset,
    QuestionKind,
    SatisfactionSpec,
    VersionSpec,
    VersionStatus,
)
from shared.errors import InvalidInput, StateConflict
from shared.events.contracts import validate_payload

NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
D = Decimal


def questions(**satisfaction: Any) -> list[dict[str, Any]]:
    sat: dict[str, Any] = {"key": "sat", "kind": "single", "label": "您对网格服务满意吗？"}
    sat.update(satisfaction)
    return [
        sat,
        {
            "key": "topics",
            "kind": "multiple",
            "label": "您关心哪些方面？",
            "required": False,
            "options": [
                {"key": "safety", "label": "治安"},
                {"key": "clean", "label": "环境卫生"},
                {"key": "traffic", "label": "交通"},
            ],
        },
        {"key": "score", "kind": "rating", "label": "给网格员打分", "scale_max": 10},
        {"key": "advice", "kind": "text", "label": "意见建议", "required": False},
    ]


def spec(
    *,
    preset: str | None = "three_level",
    basic: str | None = "0.5",
    credits: dict[str, Any] | None = None,
    items: list[dict[str, Any]] | None = None,
    name: str = "2026年四季度居民满意度调查",
) -> VersionSpec:
    return VersionSpec(
        name=name,
        description="第三方抽样调查",
        questions=items if items is not None else questions(),
        satisfaction=SatisfactionSpec(
            question_key="sat",
            preset=preset,
            basic_credit=None if basic is None else D(basic),
            credits=credits,
        ),
    )


def created(**kwargs: Any) -> domain.Questionnaire:
    return domain.create_questionnaire(
        questionnaire_id="q1", tenant_id="t1", spec=spec(**kwargs), actor="u-centre", now=NOW
    )


def fields_of(caught: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return sorted(problem.field for problem in caught.value.problems)


# -- composing ----------------------------------------------------------------------------------


def test_a_three_level_preset_fills_the_scale_with_the_chosen_basic_credit():
    version = created().current
    assert (version.version, version.status, version.preset) == (
        1,
        VersionStatus.DRAFT,
        Preset.THREE_LEVEL,
    )
    sat = version.satisfaction_question
    assert [(o.key, o.label) for o in sat.options] == [
        ("satisfied", "满意"),
        ("basically_satisfied", "基本满意"),
        ("unsatisfied", "不满意"),
    ]
    assert dict(version.credits) == {
        "satisfied": D(1),
        "basically_satisfied": D("0.5"),
        "unsatisfied": D(0),
    }
    assert version.question("score").scale_max == 10
    assert version.question("advice").max_length == domain.TEXT_DEFAULT_MAX


@pytest.mark.parametrize(("basic", "credit"), [("1", D(1)), ("0", D(0))])
def test_a_five_point_preset_gives_the_middle_the_basic_credit(basic, credit):
    version = created(preset="five_point", basic=basic).current
    assert dict(version.credits) == {
        "very_satisfied": D(1),
        "satisfied": D(1),
        "neutral": credit,
        "dissatisfied": D(0),
        "very_dissatisfied": D(0),
    }
    assert version.satisfaction_question.options[2].label == "一般"


def test_listed_options_need_a_credit_each_and_one_that_counts_fully():
    options = [{"key": "yes", "label": "满意"}, {"key": "no", "label": "不满意"}]
    version = created(
        preset=None,
        basic=None,
        credits={"yes": "1", "no": 0},
        items=questions(options=options),
    ).current
    assert dict(version.credits) == {"yes": D(1), "no": D(0)}
    assert version.preset is None
    with pytest.raises(InvalidInput) as caught:
        created(
            preset=None,
            basic=None,
            credits={"yes": "0.9", "maybe": "0.5"},
            items=questions(options=options),
        )
    assert fields_of(caught) == [
        "satisfaction.credits.maybe",
        "satisfaction.credits.no",
    ]
    with pytest.raises(InvalidInput) as caught:
        created(
            preset=None,
            basic=None,
            credits={"yes": "0.9", "no": "0"},
            items=questions(options=options),
        )
    assert fields_of(caught) == ["satisfaction.credits"]
    with pytest.raises(InvalidInput) as caught:
        created(
            preset=None,
            basic=None,
            credits={"yes": "1.5", "no": "0.12345"},
            items=questions(options=options),
        )
    assert fields_of(caught) == ["satisfaction.credits.no", "satisfaction.credits.yes"]


def test_every_bad_field_is_named_at_once():
    items = questions(options=[{"key": "a", "label": "甲"}])
    items.append({"key": "score", "kind": "rating", "label": "", "scale_max": 11})
    items.append({"key": "bad key!", "kind": "essay", "label": "x"})
    items.append({"key": "t2", "kind": "text", "label": "x", "options": [{"key": "a"}]})
    with pytest.raises(InvalidInput) as caught:
        created(items=items, name="")
    assert fields_of(caught) == [
        "name",
        "questions[0].options",
        "questions[4].key",
        "questions[4].label",
        "questions[4].scale_max",
        "questions[5].key",
        "questions[5].kind",
        "questions[6].options",
    ]


def test_the_satisfaction_question_is_one_single_choice_question():
    with pytest.raises(InvalidInput) as caught:
        domain.create_questionnaire(
            questionnaire_id="q1",
            tenant_id="t1",
            spec=VersionSpec(
                name="x",
                description="",
                questions=questions(),
                satisfaction=SatisfactionSpec(question_key="score", preset="three_level"),
            ),
            actor="u",
            now=NOW,
        )
    # ... and the single-choice question left without options has none of its own.
    assert fields_of(caught) == ["questions[0].options", "satisfaction.question_key"]
    with pytest.raises(InvalidInput) as caught:
        created(preset="three_level", basic="0.7")
    assert fields_of(caught) == ["satisfaction.basic_credit"]
    with pytest.raises(InvalidInput) as caught:
        created(preset="three_level", basic="0.5", credits={"satisfied": 1})
    assert fields_of(caught) == ["satisfaction"]
    with pytest.raises(InvalidInput) as caught:
        created(items=questions(options=[{"key": "a", "label": "甲"}, {"key": "b", "label": "乙"}]))
    assert fields_of(caught) == ["questions[0].options"]


# -- the lifecycle ------------------------------------------------------------------------------


def test_a_published_version_never_changes_and_a_new_draft_copies_it():
    draft = created()
    edited = domain.edit_draft(draft, spec=spec(basic="1"), actor="u2", now=NOW)
    assert edited.current.credits["basically_satisfied"] == D(1)
    assert (edited.updated_by, edited.current.version) == ("u2", 1)
    published, event = domain.publish(edited, actor="u2", now=NOW)
    assert published.current.status is VersionStatus.PUBLISHED
    assert (published.published_versions, published.latest_published) == ((1,), 1)
    with pytest.raises(StateConflict):
        domain.edit_draft(published, spec=spec(), actor="u2", now=NOW)
    with pytest.raises(StateConflict):
        domain.publish(published, actor="u2", now=NOW)
    second = domain.start_version(published, actor="u3", now=NOW)
    assert (second.current.version, second.current.status) == (2, VersionStatus.DRAFT)
    assert second.current.credits == published.current.credits
    assert second.current.published_at is None
    with pytest.raises(StateConflict):
        domain.start_version(second, actor="u3", now=NOW)
    assert second.published_versions == (1,)
    payload = validate_payload(event.type, event.version, event.payload())
    assert payload["version"] == 1
    assert payload["satisfaction_question"] == "sat"
    assert {c["option"]: c["credit"] for c in payload["credits"]} == {
        "satisfied": D(1),
        "basically_satisfied": D(1),
        "unsatisfied": D(0),
    }
    assert event.aggregate_id == "q1"


def test_times_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        domain.publish(created(), actor="u", now=datetime(2026, 1, 1))  # noqa: DTZ001


# -- answers ------------------------------------------------------------------------------------


@pytest.fixture
def version() -> domain.QuestionnaireVersion:
    return created().current


def test_complete_answers_give_the_satisfaction_option_and_its_credit(version):
    check = domain.check_answers(
        version,
        {"sat": "basically_satisfied", "topics": ["safety", "clean"], "score": 9, "advice": "好"},
    )
    assert check.complete
    assert check.problems == ()
    assert (check.satisfaction_option, check.credit) == ("basically_satisfied", D("0.5"))
    assert check.answered == ("sat", "topics", "score", "advice")


def test_a_missing_required_answer_is_incomplete_not_a_problem(version):
    check = domain.check_answers(version, {"sat": "satisfied", "advice": "  "})
    assert not check.complete
    assert check.problems == ()
    assert check.credit == D(1)
    unrated = domain.check_answers(version, {"score": 5})
    assert not unrated.complete
    assert (unrated.satisfaction_option, unrated.credit) == (None, None)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"sat": "great", "score": 5}, "answers.sat"),
        ({"sat": "satisfied", "score": 11}, "answers.score"),
        ({"sat": "satisfied", "score": True}, "answers.score"),
        ({"sat": "satisfied", "score": 3, "topics": ["safety", "safety"]}, "answers.topics"),
        ({"sat": "satisfied", "score": 3, "topics": "safety"}, "answers.topics"),
        ({"sat": "satisfied", "score": 3, "advice": "长" * 501}, "answers.advice"),
        ({"sat": "satisfied", "score": 3, "q99": "x"}, "answers.q99"),
    ],
)
def test_invalid_answers_name_their_question(version, answers, field):
    check = domain.check_answers(version, answers)
    assert not check.complete
    assert [problem.field for problem in check.problems] == [field]


def test_kinds_are_the_four_the_issue_names():
    assert tuple(kind.value for kind in QuestionKind) == domain.KIND_VALUES
    assert set(domain.KIND_VALUES) == {"single", "multiple", "rating", "text"}
