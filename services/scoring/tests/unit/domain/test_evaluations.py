"""What an evaluation keeps: rows and sheets from the engine's results joined with the facts
and their trace, the messages publishing an edition, and the facts kept to reproduce it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest

from services.scoring.domain import evaluations
from services.scoring.domain.bridge import SHARED
from services.scoring.domain.engine import evaluate
from services.scoring.domain.evaluations import Kind
from services.scoring.domain.facts import load_facts
from services.scoring.domain.scheme import load_scheme
from services.scoring.templates import DIRECTORY, text
from shared.events.contracts import validate_payload
from shared.periods import parse_period

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
SEED_000 = "seed_000_xueyan_town_2020"
SEED_004 = "seed_004_shanhu_street_full_time_worker"


@dataclass(frozen=True)
class Entry:
    entry_id: str
    at: datetime
    value: Decimal
    note: str | None = None
    refs: tuple[str, ...] = ()


class Colour(Enum):
    RED = "red"


def example(name: str):
    scheme = load_scheme(text(name))
    facts = load_facts((DIRECTORY / "examples" / f"{name}.facts.yaml").read_text(encoding="utf-8"))
    period = parse_period(scheme.period, facts.period)
    assert not isinstance(period, str)
    return scheme, facts, period, evaluate(scheme, facts)


def computed(name: str, kind: Kind = Kind.FINAL, edition: int = 1, trace=None):
    scheme, facts, period, evaluation = example(name)
    return evaluations.compute(
        scheme=scheme,
        scheme_digest="d" * 64,
        period=period,
        evaluation=evaluation,
        facts=facts,
        trace=trace or {},
        kind=kind,
        edition=edition,
        run_id="run1",
        reason=None if edition == 1 else "late data",
        evaluated_at=NOW,
        evaluated_by="u1",
    )


def test_rows_follow_the_engines_sheets() -> None:
    _, _, _, evaluation = example(SEED_004)
    header = computed(SEED_004).header
    assert [(r.subject_id, r.rank, r.money_total) for r in header.rows] == [
        (s.subject_id, s.rank, s.money_total) for s in evaluation.sheets
    ]
    assert header.streak_hits == {
        s.subject_id: tuple(s.streak_hits) for s in evaluation.sheets if s.streak_hits
    }
    assert header.history_entry()["period"] == "2024-03"
    assert header.supersedes is None
    assert computed(SEED_004, edition=3).header.supersedes == 2


def test_a_line_names_the_inputs_behind_it_through_derived_values() -> None:
    _scheme, _facts, _, evaluation = example(SEED_000)
    subject = evaluation.sheets[0].subject_id
    trace = {(subject, "events_total"): (Entry("e1", NOW, Decimal("1.50")),)}
    sheet = computed(SEED_000, trace=trace).sheets[subject]
    event_count = next(ln for ln in sheet["lines"] if ln["indicator_id"] == "event_count")
    # events_rate = events_total / (grid_count * 5 * workdays) * 100
    assert event_count["facts"] == ["events_total", "grid_count"]
    facts_by_id = {fact["input_id"]: fact for fact in sheet["facts"]}
    assert facts_by_id["events_total"]["trace"] == [
        {"entry_id": "e1", "at": NOW.isoformat(), "value": "1.5"}
    ]
    shared = facts_by_id["district_satisfaction_avg"]
    assert (shared["scope"], shared["given"]) == ("shared", True)


def test_shared_facts_are_traced_under_the_shared_subject() -> None:
    _scheme, _facts, _, evaluation = example(SEED_000)
    subject = evaluation.sheets[0].subject_id
    trace = {(SHARED, "district_satisfaction_avg"): ("rates.published:1",)}
    sheet = computed(SEED_000, trace=trace).sheets[subject]
    shared = next(f for f in sheet["facts"] if f["input_id"] == "district_satisfaction_avg")
    assert shared["trace"] == ["rates.published:1"]


def test_sheets_are_chunked_by_rank_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluations, "SHEETS_PER_CHUNK", 2)
    header = computed(SEED_004).header
    assert [row.chunk for row in header.rows] == [n // 2 for n in range(len(header.rows))]
    assert header.chunks == -(-len(header.rows) // 2)


def test_an_edition_is_published_in_parts_that_fit_the_contract() -> None:
    header = computed(SEED_004, edition=2).header
    many = tuple(replace(header.rows[0], subject_id=f"w{n:04d}") for n in range(600))
    big = replace(header, rows=many)
    events = evaluations.published_events(big)
    assert [(e.part, e.parts, len(e.rows)) for e in events] == [
        (1, 3, 250),
        (2, 3, 250),
        (3, 3, 100),
    ]
    for event in events:
        payload = event.payload()
        validate_payload(event.type, event.version, payload)
        assert (payload["subjects"], payload["edition"], payload["supersedes"]) == (600, 2, 1)
        assert event.aggregate_id == f"{header.scheme_id}:2024-03"
    with pytest.raises(ValueError, match="final"):
        evaluations.published_events(computed(SEED_004, Kind.PROVISIONAL, 0).header)


def test_the_facts_kept_evaluate_again_to_the_same_results() -> None:
    for name in (SEED_000, SEED_004):
        scheme, _facts, _, evaluation = example(name)
        kept = computed(name).facts
        assert evaluate(scheme, kept).to_json() == evaluation.to_json()


def test_the_facts_kept_carry_the_tenants_calendar_decisions() -> None:
    scheme, facts, _, _ = example(SEED_004)
    decided = replace(
        facts,
        calendar=replace(
            facts.calendar,
            working_days=20,
            extra_holidays=frozenset({date(2024, 3, 8)}),
            extra_workdays=frozenset({date(2024, 3, 9)}),
        ),
    )
    document = evaluations.facts_document(decided)
    again = load_facts(document)
    assert again.calendar == decided.calendar
    assert evaluate(scheme, again).to_json() == evaluate(scheme, decided).to_json()


def test_plain_makes_trace_items_json_ready() -> None:
    assert evaluations.plain(
        {
            "entry": Entry("e1", NOW, Decimal("2.50")),
            "noted": Entry("e2", NOW, Decimal(1), note="证据", refs=("photo-1",)),
            "days": (date(2026, 1, 2),),
            "ids": frozenset({"b", "a"}),
            "colour": Colour.RED,
            "n": 3,
            "other": object,
        }
    ) == {
        "entry": {"entry_id": "e1", "at": NOW.isoformat(), "value": "2.5"},
        "noted": {
            "entry_id": "e2",
            "at": NOW.isoformat(),
            "value": "1",
            "note": "证据",
            "refs": ["photo-1"],
        },
        "days": ["2026-01-02"],
        "ids": ["a", "b"],
        "colour": "red",
        "n": 3,
        "other": str(object),
    }


def test_rows_round_trip_and_readers_see_their_own() -> None:
    header = computed(SEED_004).header
    for row in header.rows:
        assert evaluations.SheetRow.from_dict(row.to_dict()) == row
    mine = evaluations.visible_rows(header.rows, frozenset({"w01"}))
    assert [row.subject_id for row in mine] == ["w01"]
    assert len(evaluations.visible_rows(header.rows, None)) == len(header.rows)


def test_the_mean_total_is_kept_at_the_schemes_precision() -> None:
    scheme, facts, period, evaluation = example(SEED_004)
    thirds = replace(evaluation, mean_total=Decimal(184) / 3)  # 61.333... exactly
    header = evaluations.compute(
        scheme=scheme,
        scheme_digest="d" * 64,
        period=period,
        evaluation=thirds,
        facts=facts,
        trace={},
        kind=Kind.FINAL,
        edition=1,
        run_id="run1",
        reason=None,
        evaluated_at=NOW,
        evaluated_by="u1",
    ).header
    assert header.mean_total == Decimal("61.33")
