"""Manual inputs: exact values, checked against the input a scheme declares, every revision kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scoring.domain import manual
from services.scoring.domain.workdays import period_of_label
from services.scoring.templates import load_template
from shared.errors import InvalidInput

NOW = datetime(2021, 1, 8, 2, 30, tzinfo=UTC)
SEED_000 = load_template("seed_000_xueyan_town_2020")
YEAR = period_of_label("2020")
assert YEAR is not None


def declared(input_id: str):
    return SEED_000.input(input_id)


def entered(input_id: str = "leader_praise", value: object = None, **changes: object):
    arguments = {
        "manual_input_id": "mi-1",
        "input_id": input_id,
        "subject_id": "d-1",
        "period": YEAR,
        "value": {"city": 1} if value is None else value,
        "evidence": "区委办〔2020〕12号",
        "refs": ["qwb-2020-12.pdf"],
        "actor": "u-centre",
        "now": NOW,
        "declared": declared(input_id),
    } | changes
    return manual.record(**arguments)


def problems(error: InvalidInput) -> list[tuple[str, str]]:
    return [(p.field, p.reason) for p in error.problems]


def test_a_value_is_kept_exact_with_its_evidence_and_published_without_it():
    found, event = entered(value={"city": 1, "district": 2.5})

    assert found.value == {"city": "1", "district": "2.5"}
    assert (found.revision, found.period, found.period_kind) == (1, "2020", "year")
    payload = event.payload()
    assert payload["value"] == '{"city":"1","district":"2.5"}'
    assert payload["evidence_refs"] == 1
    assert "evidence" not in payload
    assert event.aggregate_id == "mi-1"


def test_a_correction_is_the_next_revision_and_the_first_stays():
    found, _ = entered("criticisms", 1)

    corrected, event = manual.correct(
        found,
        period=YEAR,
        value=2,
        reason="漏记一次通报",
        actor="u-2",
        now=NOW,
        declared=declared("criticisms"),
    )

    assert [(r.revision, r.value, r.reason) for r in corrected.revisions] == [
        (1, "1", None),
        (2, "2", "漏记一次通报"),
    ]
    assert (corrected.recorded_by, event.payload()["revision"]) == ("u-centre", 2)


@pytest.mark.parametrize(
    ("input_id", "value", "changes", "expected"),
    [
        ("criticisms", 1.5, {}, [("value", "must be a whole number (an input of type integer)")]),
        ("criticisms", "many", {}, [("value", "must be a number (an input of type integer)")]),
        (
            "has_management_system",
            1,
            {},
            [("value", "must be true or false (an input of type boolean)")],
        ),
        (
            "staffing_rate",
            90,
            {},
            [("input_id", "is filled from the ledger (a platform input), not by hand")],
        ),
        ("criticisms", 1, {"subject_id": None}, [("subject_id", "is required for this input")]),
        (
            "not an id",
            1,
            {"declared": None},
            [("input_id", "must be an input id (letters, digits, _)")],
        ),
        (
            "own_input",
            ["2020-02-30"],
            {"declared": None},
            [("value", "'2020-02-30' is not a date (YYYY-MM-DD)")],
        ),
        (
            "own_input",
            ["2021-01-02"],
            {"declared": None},
            [("value", "dates outside 2020: 2021-01-02")],
        ),
        (
            "own_input",
            {"city": -1},
            {"declared": None},
            [("value", "must map each level to a count of zero or more")],
        ),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_field(input_id, value, changes, expected):
    with pytest.raises(InvalidInput) as error:
        entered(input_id, value, **changes)
    assert problems(error.value) == expected


def test_an_input_no_known_scheme_declares_takes_any_value_shape():
    found, _ = entered("own_input", ["2020-03-02", "2020-03-01"], declared=None)
    assert found.value == ["2020-03-01", "2020-03-02"]
    flag, _ = entered("own_flag", True, declared=None, subject_id=None)
    assert (flag.value, flag.subject_id) == (True, None)
