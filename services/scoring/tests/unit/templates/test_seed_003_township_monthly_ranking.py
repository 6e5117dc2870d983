"""Seed 003 (XX乡, month, villages ranked): rank-based items, proportional app use, a capped
publicity bonus, and the bottom-two streaks. Worked by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.scoring.domain.results import Evaluation

from .support import run, template

D = Decimal

SCHEME = template("seed_003_township_monthly_ranking.yaml")


def on_target(
    patrol_hours_per_day: str = "1.2", events_per_worker: int = 10, **changes: Any
) -> dict[str, Any]:
    """A village on every target; the daily patrol hours are given over 20 working days due
    (hours × 3600 × 20 seconds) and the events per worker over 4 grids (events × 4)."""
    facts: dict[str, Any] = {
        "key_group_completeness": 100,
        "volunteer_activities_per_worker": 2,
        "patrol_seconds": int(D(patrol_hours_per_day) * 3600 * 20),
        "patrol_workdays": 20,
        "village_events": 15,
        "worker_events": events_per_worker * 4,
        "grid_count": 4,
        "livelihood_or_dispute_reports": 2,
        "app_download_rate": 100,
        "app_activities": 2,
        "app_reports_per_capita": 1,
        "dispatch_anomalies_minor": 0,
        "dispatch_anomalies_major": 0,
    }
    facts.update(changes)
    return facts


def test_the_list_weights_add_up_to_one_hundred() -> None:
    maxima = {i.id: i.max_points for i in SCHEME.indicators if i.section == "scored"}
    assert maxima["patrol_hours"] == 10
    assert maxima["worker_reports"] == 15
    assert sum(m for m in maxima.values() if m is not None) == 100


def test_rank_based_completeness_fixed_five_percent_steps() -> None:
    villages = {
        "A": on_target(key_group_completeness=100),
        "B": on_target(key_group_completeness=98),
        "C": on_target(key_group_completeness=98),
        "D": on_target(key_group_completeness=95),
        "E": on_target(key_group_completeness=90),
    }
    result = run(SCHEME, "2024-06", villages)
    points = {s.subject_id: s.line("data_quality").points for s in result.sheets}
    assert points == {
        "A": 20,  # at 100%: full marks
        "B": 20 * (1 - 1 * D("0.05")),  # first below target (tied with C)
        "C": 20 * (1 - 1 * D("0.05")),
        "D": 20 * (1 - 3 * D("0.05")),  # competition ranking: 1, 1, 3
        "E": 20 * (1 - 4 * D("0.05")),
    }
    assert "排第3名" in result.sheet("D").line("data_quality").zh


def test_rank_based_steps_of_ten_and_six_percent() -> None:
    villages = {
        "A": on_target(patrol_hours_per_day="0.9", events_per_worker=9, village_events=16),
        "B": on_target(patrol_hours_per_day="0.5", events_per_worker=4, village_events=12),
        "C": on_target(patrol_hours_per_day="0.7", events_per_worker=10, village_events=3),
    }
    result = run(SCHEME, "2024-06", villages)
    hours = {s.subject_id: s.line("patrol_hours").points for s in result.sheets}
    assert hours == {
        "A": 10 * (1 - D("0.1")),
        "C": 10 * (1 - 2 * D("0.1")),
        "B": 10 * (1 - 3 * D("0.1")),
    }
    reports = {s.subject_id: s.line("worker_reports").points for s in result.sheets}
    assert reports == {"A": 15 * (1 - D("0.06")), "B": 15 * (1 - 2 * D("0.06")), "C": 15}
    village = {s.subject_id: s.line("village_reports").points for s in result.sheets}
    assert village == {"A": 5, "B": 5 * (1 - D("0.1")), "C": 5 * (1 - 2 * D("0.1"))}


def test_volunteer_shortfall_and_none_at_all() -> None:
    result = run(
        SCHEME,
        "2024-06",
        {
            "A": on_target(volunteer_activities_per_worker="1.5"),
            "B": on_target(volunteer_activities_per_worker=0),
        },
    )
    assert result.sheet("A").line("volunteers").points == 10 - D("0.5") * 5
    assert result.sheet("B").line("volunteers").points == 0  # 未组织参与志愿者活动得0分


def test_app_use_proportional_over_three_targets() -> None:
    partial = on_target(app_download_rate=80, app_activities=1, app_reports_per_capita="1.5")
    none = on_target(app_download_rate=0, app_activities=0, app_reports_per_capita=0)
    result = run(SCHEME, "2024-06", {"A": partial, "B": none})
    # completions 80%, 50%, 100% (1.5 of 1 is capped), equal weights
    assert result.sheet("A").line("app_use").points == 20 * (D("0.8") + D("0.5") + 1) / 3
    assert result.sheet("B").line("app_use").points == 0


def test_a_repeating_line_is_shown_at_two_places_and_totalled_exactly() -> None:
    # 20 × (1 + 0.5 + 1) / 3 = 16.666…: shown 16.67, the total is 80 + 16.666… = 96.67
    result = run(SCHEME, "2024-06", {"C": on_target(app_activities=1)})
    sheet = result.sheet("C")
    written = sheet.to_dict()
    line = next(ln for ln in written["lines"] if ln["indicator_id"] == "app_use")
    assert line["points"] == "16.67"
    assert line["explain"]["zh"].endswith("得20×≈83.3333%=≈16.67分")
    assert written["groups"]["daily"] == "96.67"
    assert sheet.total == D("96.67")


def test_dispatch_anomalies_and_capped_publicity_bonus() -> None:
    facts = on_target(
        dispatch_anomalies_minor=3,
        dispatch_anomalies_major=2,
        publicity_articles={"central": 1, "city": 1},
    )
    sheet = run(SCHEME, "2024-06", {"A": facts}).sheet("A")
    assert sheet.line("dispatch_knowledge").points == 10 - (3 * D("0.2") + 2 * D("0.3"))
    assert sheet.line("publicity_bonus").points == 10  # 10 + 2 = 12, at most 10
    assert sheet.total == 100 - D("1.2") + 10


def test_bottom_two_for_three_months_means_interview() -> None:
    def month(label: str, history: list[Evaluation]) -> Evaluation:
        villages = {
            "A": on_target(),
            "B": on_target(),
            "C": on_target(),
            "D": on_target(volunteer_activities_per_worker=1),  # 95
            "E": on_target(volunteer_activities_per_worker=0),  # 90
        }
        return run(SCHEME, label, villages, history=history)

    history: list[Evaluation] = []
    for label in ("2024-04", "2024-05", "2024-06"):
        history.append(month(label, history))
    last = history[-1]
    assert [s.subject_id for s in last.sheets][-2:] == ["D", "E"]
    assert [f.id for f in last.sheet("D").flags] == ["interview"]
    assert [f.id for f in last.sheet("E").flags] == ["interview"]
    assert last.sheet("A").flags == ()
    for label in ("2024-07", "2024-08", "2024-09"):
        history.append(month(label, history))
    assert [f.id for f in history[-1].sheet("E").flags] == ["veto"]


def test_daily_hours_and_events_per_worker_are_derived_from_the_ledgers_sums() -> None:
    villages = {
        # 63000 s over 25 days due = 0.7 h a day; 27 events over 3 grids = 9 a worker
        "A": on_target(patrol_seconds=63000, patrol_workdays=25, worker_events=27, grid_count=3),
        # nobody due to patrol and no grid: 0 hours and 0 events, ranked last
        "B": on_target(patrol_seconds=0, patrol_workdays=0, worker_events=5, grid_count=0),
    }
    result = run(SCHEME, "2024-06", villages)
    a, b = result.sheet("A"), result.sheet("B")
    assert a.line("patrol_hours").points == 10 * (1 - D("0.1"))
    assert b.line("patrol_hours").points == 10 * (1 - 2 * D("0.1"))
    assert a.line("worker_reports").points == 15 * (1 - D("0.06"))
    assert b.line("worker_reports").points == 15 * (1 - 2 * D("0.06"))
