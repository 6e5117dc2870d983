"""The facts of one period: per subject values, shared values and the period itself.

A facts document (YAML, JSON or a mapping)::

    period: "2024-03"            # month "2024-03", quarter "2024-Q1", year "2024",
                                 # custom {start: 2024-01-01, end: 2024-06-30}
    shared: {district_satisfaction: 88.5}      # values the same for every subject
    subjects:
      - id: v01
        name: 东村
        facts: {staffing_rate: 90, events_total: 1200}

Values are checked against a scheme's input types when it is evaluated; facts a scheme
does not declare are ignored, so two scheme versions can be compared over one file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .problems import FactsError, Problem, Reader
from .scheme import parse_document


@dataclass(frozen=True)
class SubjectFacts:
    """One subject's raw facts as given."""

    id: str
    name: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class Facts:
    """All facts of one period."""

    period: object
    shared: Mapping[str, object]
    subjects: tuple[SubjectFacts, ...]


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
    r.only(("period", "shared", "subjects"))
    period = r.raw("period")
    if period is None:
        r.fail("is required", "period")
    shared_reader = r.mapping("shared", required=False)
    shared = dict(shared_reader.data) if shared_reader else {}
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
    return Facts(period, shared, tuple(subjects))


__all__ = ["Facts", "FactsError", "Problem", "SubjectFacts", "load_facts"]
