"""The facts of one period: per subject values, shared values and the period itself.

A facts document (YAML, JSON or a mapping)::

    period: "2024-03"            # month "2024-03", quarter "2024-Q1", year "2024",
                                 # custom {start: 2024-01-01, end: 2024-06-30}
    shared: {district_satisfaction: 88.5}      # values the same for every subject
    calendar:                    # optional: the tenant's own decisions for this period
      working_days: 21           #   the count formulas see as `workdays`
      extra_holidays: [2024-03-08]     # dates inside the period, winning over
      extra_workdays: [2024-03-09]     #   the scheme's calendar and the holiday data
    subjects:
      - id: v01
        name: 东村
        facts: {staffing_rate: 90, events_total: 1200}

Values are checked against a scheme's input types when it is evaluated, and a fact name the
scheme does not declare is a problem naming the closest declared input (a typo must not let
a default change a score silently). Comparing two scheme versions over one file accepts the
names either version declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .problems import FactsError, Problem, Reader
from .scheme import calendar_days, parse_document


@dataclass(frozen=True)
class SubjectFacts:
    """One subject's raw facts as given."""

    id: str
    name: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class CalendarDecisions:
    """A tenant's own calendar for one period: its count of working days (what formulas
    see as ``workdays``) and single dates it made holidays or working days. They win over
    the scheme's calendar and the holiday data; dates are checked against the period when
    the facts are evaluated."""

    working_days: int | None = None
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Facts:
    """All facts of one period."""

    period: object
    shared: Mapping[str, object]
    subjects: tuple[SubjectFacts, ...]
    calendar: CalendarDecisions = field(default_factory=CalendarDecisions)


def load_facts(document: str | Mapping[str, Any]) -> Facts:
    """Read a facts document; raise :class:`FactsError` listing every structural problem."""
    if isinstance(document, str):
        data, problems = parse_document(document)
        if problems:
            raise FactsError(problems)
    else:
        data = document
    problems = []
    r = Reader(data, "", problems)
    r.only(("period", "shared", "calendar", "subjects"))
    period = r.raw("period")
    if period is None:
        r.fail("is required", "period")
    shared_reader = r.mapping("shared", required=False)
    shared = dict(shared_reader.data) if shared_reader else {}
    calendar = _calendar(r.mapping("calendar", required=False))
    subjects: list[SubjectFacts] = []
    raw_subjects = r.raw("subjects")
    seen: set[str] = set()
    if isinstance(raw_subjects, Mapping):
        entries = [
            (f"subjects.{key}", {"id": str(key), "facts": value})
            for key, value in raw_subjects.items()
        ]
    elif isinstance(raw_subjects, list):
        entries = [(f"subjects[{i}]", item) for i, item in enumerate(raw_subjects)]
    else:
        r.fail("must be a list of subjects or a mapping of subject id to facts", "subjects")
        entries = []
    for path, item in entries:
        s = Reader(item, path, problems)
        s.only(("id", "name", "facts"))
        subject_id = s.string("id")
        name = s.string("name", required=False)
        facts = s.mapping("facts", required=False)
        if subject_id is None:
            continue
        if subject_id in seen:
            s.fail("is given twice", "id")
        seen.add(subject_id)
        subjects.append(
            SubjectFacts(subject_id, name or subject_id, dict(facts.data) if facts else {})
        )
    if problems:
        raise FactsError(problems)
    return Facts(period, shared, tuple(subjects), calendar)


def _calendar(r: Reader | None) -> CalendarDecisions:
    if r is None:
        return CalendarDecisions()
    r.only(("working_days", "extra_holidays", "extra_workdays"))
    working_days = r.integer("working_days", required=False, minimum=0)
    holidays, workdays = calendar_days(r)
    return CalendarDecisions(working_days, holidays, workdays)


__all__ = ["CalendarDecisions", "Facts", "FactsError", "Problem", "SubjectFacts", "load_facts"]
