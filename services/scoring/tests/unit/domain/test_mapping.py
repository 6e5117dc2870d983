"""An input's ``from``: which metric of the catalogue feeds it, validated like every field."""

from __future__ import annotations

import copy
from typing import Any

from services.scoring.domain.mapping import InputMapping, MetricRef
from services.scoring.domain.metrics import CATALOGUE, FOR_INPUT_TYPE, STATE
from services.scoring.domain.scheme import load_scheme, validate
from services.scoring.tests.unit.domain.support import document


def with_from(index: int, mapping: Any, **input_changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document())
    doc["inputs"][index] = {**doc["inputs"][index], "from": mapping, **input_changes}
    return doc


def problems(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.reason) for p in validate(doc)]


def test_a_metric_and_an_aggregation_fill_a_platform_input():
    doc = with_from(1, {"metric": "intake.events_reported", "aggregate": "count", "key": "x"})

    scheme = load_scheme(doc)

    assert scheme.inputs[1].mapping == InputMapping(
        "count", source=MetricRef("intake.events_reported", ("x",))
    )


def test_an_unknown_metric_names_the_closest():
    doc = with_from(1, {"metric": "intake.events_reportd", "aggregate": "count"})

    assert problems(doc) == [
        (
            "inputs[1].from.metric",
            "is not a metric of the catalogue; did you mean intake.events_reported?",
        )
    ]


def test_an_aggregation_must_fit_the_inputs_type_and_the_metric():
    wrong_type = with_from(1, {"metric": "patrol.failing_days", "aggregate": "dates"})
    assert problems(wrong_type) == [
        ("inputs[1].from.aggregate", "does not fit an input of type integer (use count or sum)")
    ]
    wrong_metric = with_from(0, {"metric": "intake.events_reported", "aggregate": "last"})
    assert problems(wrong_metric) == [
        (
            "inputs[0].from.metric",
            "metric intake.events_reported takes count, sum, rate, dates, any, by_key, not last",
        )
    ]


def test_keys_must_belong_to_the_metric():
    keyless = with_from(1, {"metric": "patrol.failing_days", "aggregate": "count", "key": "x"})
    assert problems(keyless) == [("inputs[1].from.key", "metric patrol.failing_days has no key")]
    unknown = with_from(
        1, {"metric": "patrol.days", "aggregate": "count", "key": ["passed", "faild"]}
    )
    assert problems(unknown) == [
        (
            "inputs[1].from.key[1]",
            "is not a key of patrol.days (one of passed, failed, not_patrolled, excused, rest_day)",
        )
    ]


def test_a_rate_names_both_parts_and_a_day_of_the_year_needs_a_yearly_scheme():
    rate = {
        "aggregate": "rate",
        "numerator": {"metric": "registry.grids_staffed", "key": "community"},
        "denominator": "registry.grids",
        "as_of": "11-30",
    }
    assert problems(with_from(0, rate)) == [
        ("inputs[0].from.as_of", "a day of the year needs a yearly scheme, not month")
    ]
    assert problems({**with_from(0, rate), "period": "year"}) == []
    missing = {"aggregate": "rate", "numerator": "intake.events_closed"}
    assert problems(with_from(0, missing)) == [("inputs[0].from.denominator", "is required")]


def test_as_of_is_for_registry_metrics_and_must_be_a_day():
    flow = {"metric": "intake.events_reported", "aggregate": "count", "as_of": "end"}
    assert problems(with_from(1, flow)) == [
        ("inputs[1].from.as_of", "only registry (state) metrics are read as of a day")
    ]
    bad_day = {"metric": "registry.grids", "aggregate": "count", "as_of": "02-30"}
    assert problems(with_from(1, bad_day)) == [
        ("inputs[1].from.as_of", "must be start, end or a day of the year as MM-DD")
    ]


def test_a_manual_input_takes_no_from_and_unknown_fields_are_problems():
    manual = with_from(
        1, {"metric": "intake.events_reported", "aggregate": "count"}, source="manual"
    )
    [(path, reason)] = problems(manual)
    assert path == "inputs[1].from"
    assert reason.startswith("a manual input is entered by the centre")
    extra = with_from(1, {"metric": "intake.events_reported", "aggregate": "count", "sum": 1})
    assert problems(extra) == [("inputs[1].from.sum", "unknown field")]


def test_the_catalogue_is_consistent():
    names = [m.name for m in CATALOGUE]
    assert len(names) == len(set(names))
    for metric in CATALOGUE:
        assert metric.name.split(".")[0] in {"registry", "intake", "patrol", "survey"}
        assert metric.meaning.zh
        assert metric.meaning.en
        assert metric.sources
        assert not metric.keys or metric.key is not None
        assert metric.origin != STATE or metric.subject == "grid"
    assert set(FOR_INPUT_TYPE) == {"number", "integer", "percent", "boolean", "counts", "dates"}


def test_base_information_is_a_rate_of_monthly_figures_never_read_as_of_a_day():
    completeness = {
        "aggregate": "rate",
        "numerator": {"metric": "registry.baseinfo_collected", "key": "special_group"},
        "denominator": {"metric": "registry.baseinfo_expected", "key": "special_group"},
    }
    assert load_scheme(with_from(0, completeness)).inputs[0].mapping == InputMapping(
        "rate",
        numerator=MetricRef("registry.baseinfo_collected", ("special_group",)),
        denominator=MetricRef("registry.baseinfo_expected", ("special_group",)),
    )
    # Recorded figures are ledger entries of their statistics date, not registry state.
    assert problems(with_from(0, {**completeness, "as_of": "end"})) == [
        ("inputs[0].from.as_of", "only registry (state) metrics are read as of a day")
    ]


def test_a_failed_rectification_is_keyed_by_where_the_item_came_from():
    dispatched = {
        "metric": "intake.rectifications_failed",
        "aggregate": "count",
        "key": ["dispatched_task", "daily_patrol"],
    }
    assert problems(with_from(1, dispatched)) == []
    task = {"metric": "intake.rectifications_failed", "aggregate": "count", "key": "task"}
    assert problems(with_from(1, task)) == [
        (
            "inputs[1].from.key",
            "is not a key of intake.rectifications_failed (one of daily_patrol, spot_check, "
            "resident_complaint, dispatched_task)",
        )
    ]
