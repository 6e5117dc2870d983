"""Compare two evaluations (two scheme versions over the same facts), subject by subject.

A tenant tries a draft before publishing it: ``compare(old_scheme, new_scheme, facts)``
evaluates both and reports, per subject, the change in every indicator's points, the total,
the rank, the grade, the flags and the money.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .engine import evaluate
from .facts import Facts
from .numbers import DEFAULT_PRECISION, ZERO, Precision, fmt, money
from .results import Evaluation, ScoreSheet
from .scheme import Scheme


@dataclass(frozen=True)
class SubjectDelta:
    """How one subject's result changes from ``before`` to ``after``."""

    subject_id: str
    total_before: Decimal | None
    total_after: Decimal | None
    rank_before: int | None
    rank_after: int | None
    grade_before: str | None
    grade_after: str | None
    flags_added: tuple[str, ...]
    flags_removed: tuple[str, ...]
    money_before: Decimal
    money_after: Decimal
    lines: tuple[tuple[str, Decimal | None, Decimal | None], ...]
    precision: Precision = DEFAULT_PRECISION  # the draft's: how line points are shown

    @property
    def total_delta(self) -> Decimal | None:
        if self.total_before is None or self.total_after is None:
            return None
        return self.total_after - self.total_before

    @property
    def money_delta(self) -> Decimal:
        return self.money_after - self.money_before

    @property
    def changed(self) -> bool:
        return bool(
            self.total_before != self.total_after
            or self.rank_before != self.rank_after
            or self.grade_before != self.grade_after
            or self.flags_added
            or self.flags_removed
            or self.money_delta
            or any(before != after for _, before, after in self.lines)
        )

    def to_dict(self) -> dict[str, Any]:
        def num(value: Decimal | None) -> str | None:
            return fmt(value) if value is not None else None

        def points(value: Decimal | None) -> str | None:
            return self.precision.number(value) if value is not None else None

        return {
            "subject_id": self.subject_id,
            "total": {
                "before": num(self.total_before),
                "after": num(self.total_after),
                "delta": num(self.total_delta),
            },
            "rank": {"before": self.rank_before, "after": self.rank_after},
            "grade": {"before": self.grade_before, "after": self.grade_after},
            "flags": {"added": list(self.flags_added), "removed": list(self.flags_removed)},
            "money": {
                "before": money(self.money_before),
                "after": money(self.money_after),
                "delta": money(self.money_delta),
            },
            "lines": [
                {
                    "indicator_id": i,
                    "before": points(b),
                    "after": points(a),
                    "delta": points(a - b) if a is not None and b is not None else None,
                }
                for i, b, a in self.lines
            ],
        }


@dataclass(frozen=True)
class Comparison:
    before: Evaluation
    after: Evaluation
    subjects: tuple[SubjectDelta, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": {"id": self.before.scheme_id, "version": self.before.scheme_version},
            "after": {"id": self.after.scheme_id, "version": self.after.scheme_version},
            "period": self.after.period,
            "subjects": [s.to_dict() for s in self.subjects],
        }


def compare(
    before: Scheme,
    after: Scheme,
    facts: Facts | Mapping[str, Any] | str,
    history: Sequence[Evaluation | Mapping[str, Any]] = (),
) -> Comparison:
    """Evaluate both schemes over the same facts and compare them subject by subject.

    A fact either version declares is accepted by both (a draft may add or drop inputs); a
    name neither declares is still a problem."""
    return compare_evaluations(
        evaluate(before, facts, history, also_known={i.id for i in after.inputs}),
        evaluate(after, facts, history, also_known={i.id for i in before.inputs}),
    )


def compare_evaluations(before: Evaluation, after: Evaluation) -> Comparison:
    """Per-subject deltas between two evaluations, ordered by subject id."""
    old = {s.subject_id: s for s in before.sheets}
    new = {s.subject_id: s for s in after.sheets}
    deltas = [
        _delta(sid, old.get(sid), new.get(sid), after.precision)
        for sid in sorted(set(old) | set(new))
    ]
    return Comparison(before, after, tuple(deltas))


def _delta(
    subject: str, a: ScoreSheet | None, b: ScoreSheet | None, precision: Precision
) -> SubjectDelta:
    a_lines = {ln.indicator_id: ln.points for ln in a.lines} if a else {}
    b_lines = {ln.indicator_id: ln.points for ln in b.lines} if b else {}
    ids = [*a_lines, *(i for i in b_lines if i not in a_lines)]
    a_flags = {f.id for f in a.flags} if a else set()
    b_flags = {f.id for f in b.flags} if b else set()
    return SubjectDelta(
        subject_id=subject,
        total_before=a.total if a else None,
        total_after=b.total if b else None,
        rank_before=a.rank if a else None,
        rank_after=b.rank if b else None,
        grade_before=a.grade if a else None,
        grade_after=b.grade if b else None,
        flags_added=tuple(sorted(b_flags - a_flags)),
        flags_removed=tuple(sorted(a_flags - b_flags)),
        money_before=a.money_total if a else ZERO,
        money_after=b.money_total if b else ZERO,
        lines=tuple((i, a_lines.get(i), b_lines.get(i)) for i in ids),
        precision=precision,
    )
