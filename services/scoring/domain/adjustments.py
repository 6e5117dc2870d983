"""Fact adjustments: a value an accepted appeal set for one subject's ledger-fed input.

The ledger holds what the platform's events said; an appeal can show it wrong (a report the
review missed, a patrol day judged on a dead phone). The reviewer then sets the input's value
for that subject, scheme and period: a `FactAdjustment`, with the appeal as its reason. The
facts bridge's value is replaced on top of the bridge (`apply`), in every evaluation of that
period from then on (corrections, provisional scores, simulations), and the sheet's trace
shows it first as source ``appeal`` (the appeal, the value it replaced, the reason), followed
by the ledger items the bridge found. A later appeal on the same input sets the next revision;
every revision is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from .bridge import FactsWithTrace, TraceItem
from .facts import SubjectFacts
from .results import shown

SOURCE = "appeal"


@dataclass(frozen=True)
class AdjustmentRevision:
    revision: int
    value: object  # as kept: numbers exact, as text (see `domain.manual.normalise`)
    appeal_id: str
    reason: str
    evidence_ids: tuple[str, ...]
    replaced: str | None  # the value it replaced, as the sheet showed it
    actor: str
    at: datetime


@dataclass(frozen=True)
class FactAdjustment:
    """The value of `input_id` for `subject_id` in `period` of `scheme_id`, set by appeals."""

    adjustment_id: str
    scheme_id: str
    period: str
    subject_id: str
    input_id: str
    revisions: tuple[AdjustmentRevision, ...]

    @property
    def current(self) -> AdjustmentRevision:
        return self.revisions[-1]

    @property
    def value(self) -> object:
        return self.current.value


def adjust(
    found: FactAdjustment | None,
    *,
    adjustment_id: str,
    scheme_id: str,
    period: str,
    subject_id: str,
    input_id: str,
    value: object,
    appeal_id: str,
    reason: str,
    evidence_ids: Iterable[str],
    replaced: str | None,
    actor: str,
    at: datetime,
) -> FactAdjustment:
    """The adjustment with a new revision (the first one when ``found`` is None); the same
    appeal adjusting again (a retried decision) changes nothing."""
    if found is not None and found.current.appeal_id == appeal_id:
        return found
    number = 1 if found is None else found.current.revision + 1
    revision = AdjustmentRevision(
        number, value, appeal_id, reason, tuple(evidence_ids), replaced, actor, at
    )
    if found is None:
        return FactAdjustment(adjustment_id, scheme_id, period, subject_id, input_id, (revision,))
    return replace(found, revisions=(*found.revisions, revision))


def apply(found: FactsWithTrace, adjustments: Iterable[FactAdjustment]) -> FactsWithTrace:
    """The bridge's facts with each adjustment's value in place of the bridge's, for subjects
    of the period (an adjustment of a subject no longer assessed is left out)."""
    by_subject: dict[str, list[FactAdjustment]] = {}
    for adjustment in adjustments:
        by_subject.setdefault(adjustment.subject_id, []).append(adjustment)
    if not by_subject:
        return found
    trace = dict(found.trace)
    subjects = []
    for subject in found.facts.subjects:
        mine = by_subject.get(subject.id)
        if not mine:
            subjects.append(subject)
            continue
        values = dict(subject.values)
        for adjustment in mine:
            current = adjustment.current
            values[adjustment.input_id] = current.value
            key = (subject.id, adjustment.input_id)
            item = TraceItem(
                SOURCE,
                current.appeal_id,
                shown(current.value),
                note=current.reason,
                attributes={
                    "adjustment_id": adjustment.adjustment_id,
                    "revision": str(current.revision),
                    "replaced": current.replaced or "",
                    "evidence": ", ".join(current.evidence_ids),
                },
            )
            trace[key] = (item, *trace.get(key, ()))
        subjects.append(SubjectFacts(subject.id, subject.name, values))
    facts = replace(found.facts, subjects=tuple(subjects))
    return FactsWithTrace(facts, trace, found.unmapped)


__all__ = ["SOURCE", "AdjustmentRevision", "FactAdjustment", "adjust", "apply"]
