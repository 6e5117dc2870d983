"""Facts for evaluation tests without the ledger: what the facts bridge (`facts_for`) hands
over, built from plain values, so results can be checked against the engine run directly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.scoring.domain.facts import Facts, load_facts
from services.scoring.domain.scheme import Scheme
from services.scoring.use_cases import evaluations
from shared.periods import Period


@dataclass(frozen=True)
class TraceEntry:
    """A stand-in for the bridge's trace items: the ids behind one fact."""

    entry_id: str
    event_id: str


@dataclass(frozen=True)
class Bridged:
    facts: Facts
    trace: Mapping[tuple[str, str], tuple[object, ...]]


FactsByPeriod = Callable[[Scheme, Period], Mapping[str, Any]]


def bridge(monkeypatch: Any, facts_of: FactsByPeriod) -> list[tuple[str, str]]:
    """Make the use cases read ``facts_of(scheme, period)`` (a facts document without its
    period) as the period's facts, each subject's value traced to one entry per input;
    returns the (scheme id, period) pairs asked for."""
    asked: list[tuple[str, str]] = []

    def facts_for(ctx: object, scheme: Scheme, period: Period) -> Bridged:
        asked.append((scheme.id, period.label))
        document = {"period": period.label, **facts_of(scheme, period)}
        facts = load_facts(document)
        trace = {
            (subject.id, name): (TraceEntry(f"{subject.id}:{name}", f"ev-{subject.id}-{name}"),)
            for subject in facts.subjects
            for name in subject.values
        }
        return Bridged(facts, trace)

    monkeypatch.setattr(evaluations, "facts_for", facts_for)
    return asked


def shanhu_month(period: Period, failing: Mapping[str, list[int]]) -> dict[str, Any]:
    """Seed 004 facts for workers w01-w03 in ``period`` (a month): ``failing`` gives each
    worker's failing days of the month (day numbers); everything else meets the targets."""
    subjects = []
    for n, worker in enumerate(("w01", "w02", "w03")):
        days = [period.start.replace(day=d).isoformat() for d in failing.get(worker, [])]
        subjects.append(
            {
                "id": worker,
                "name": f"网格员{n + 1}",
                "facts": {
                    "patrol_failing_days": days,
                    "meeting_absences_unexcused": 0,
                    "valid_info_reports": 20 - n,
                    "unreported_violation": False,
                    "dispatched_tasks_completed": 4,
                },
            }
        )
    return {"subjects": subjects}
