"""What an evaluation gives: one score sheet per subject, each line with its arithmetic.

:class:`Evaluation` holds the sheets of one scheme over one period; :class:`ScoreSheet` one
subject's lines, total, rank, grade, money and flags, and the facts it lacked
(:class:`MissingFactReport`). ``to_dict()`` and :meth:`Evaluation.to_json` are the canonical
form the command line, comparisons and the history of later periods read back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from .money import MoneyLine
from .numbers import DEFAULT_PRECISION, Precision, fmt, money
from .problems import Text
from .rules import show


class Line(NamedTuple):
    """One indicator of one subject: signed points (negative for deductions) and why.

    A named tuple rather than a frozen dataclass: an evaluation builds one per subject and
    indicator, and tuples are several times cheaper to create."""

    indicator_id: str
    name: Text
    group: str
    section: str
    points: Decimal
    max_points: Decimal | None
    rule: str
    inputs: tuple[tuple[str, object], ...]
    rule_text: str
    zh: str
    en: str


@dataclass(frozen=True)
class Flag:
    """A flag raised by a streak (notice, interview, yellow card...)."""

    id: str
    name: Text
    periods: int


@dataclass(frozen=True)
class MissingFactReport:
    """A fact a subject lacks (or cannot use) and what the engine did about it."""

    subject_id: str
    input_id: str
    resolution: str  # "not_assessable" | "default" | "money_line_skipped"
    reason: str


@dataclass(frozen=True)
class ScoreSheet:
    """Everything one subject got in the period."""

    subject_id: str
    subject_name: str
    assessable: bool
    lines: tuple[Line, ...]
    groups: tuple[tuple[str, Decimal], ...]
    total: Decimal | None
    rank: int | None
    grade: str | None
    grade_name: Text | None
    grade_note: Text | None
    flags: tuple[Flag, ...]
    money: tuple[MoneyLine, ...]
    money_total: Decimal
    missing: tuple[MissingFactReport, ...]
    streak_hits: tuple[str, ...]
    # How the scheme shows points: lines and groups keep exact values (the total is their
    # exact sum, rounded once) but are written at the scheme's rounding places.
    precision: Precision = DEFAULT_PRECISION

    def line(self, indicator_id: str) -> Line:
        return next(line for line in self.lines if line.indicator_id == indicator_id)

    def money_line(self, rule_id: str) -> MoneyLine:
        return next(line for line in self.money if line.rule_id == rule_id)

    def points(self, value: Decimal) -> str:
        """Points (a line's, a group's) as the sheet shows them: at the scheme's precision."""
        return self.precision.number(value)

    def to_dict(self) -> dict[str, Any]:
        shown_points = self.precision.number
        return {
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "assessable": self.assessable,
            "lines": [
                {
                    "indicator_id": ln.indicator_id,
                    "name": {"zh": ln.name.zh, "en": ln.name.en},
                    "group": ln.group,
                    "section": ln.section,
                    "points": shown_points(ln.points),
                    "max": fmt(ln.max_points) if ln.max_points is not None else None,
                    "rule": ln.rule,
                    "inputs": {name: shown(value) for name, value in ln.inputs},
                    "explain": {"zh": ln.zh, "en": ln.en},
                }
                for ln in self.lines
            ],
            "groups": {g: shown_points(p) for g, p in self.groups},
            "total": fmt(self.total) if self.total is not None else None,
            "rank": self.rank,
            "grade": self.grade,
            "grade_name": _text(self.grade_name),
            "grade_note": _text(self.grade_note),
            "flags": [
                {"id": f.id, "name": _text(f.name), "periods": f.periods} for f in self.flags
            ],
            "money": [
                {
                    "rule_id": m.rule_id,
                    "name": _text(m.name),
                    "amount": money(m.amount),
                    "forfeited": m.forfeited,
                    "explain": {"zh": m.zh, "en": m.en},
                }
                for m in self.money
            ],
            "money_total": money(self.money_total),
            "missing": [
                {"input_id": m.input_id, "resolution": m.resolution, "reason": m.reason}
                for m in self.missing
            ],
            "streak_hits": list(self.streak_hits),
        }


def _text(text: Text | None) -> dict[str, str] | None:
    return {"zh": text.zh, "en": text.en} if text is not None else None


@dataclass(frozen=True)
class Evaluation:
    """A scheme evaluated over one period: sheets ranked first, then not assessable ones."""

    scheme_id: str
    scheme_version: int
    period: str
    sheets: tuple[ScoreSheet, ...]
    mean_total: Decimal | None
    missing: tuple[MissingFactReport, ...] = field(default=())
    precision: Precision = DEFAULT_PRECISION  # the scheme's: how points and the mean are shown

    @property
    def incomplete(self) -> tuple[ScoreSheet, ...]:
        """Sheets a script must not take as final: subjects not assessable, or paid without
        a money line the scheme has (a fact it needs was missing)."""
        return tuple(
            s
            for s in self.sheets
            if not s.assessable or any(m.resolution == "money_line_skipped" for m in s.missing)
        )

    def sheet(self, subject_id: str) -> ScoreSheet:
        return next(s for s in self.sheets if s.subject_id == subject_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": {"id": self.scheme_id, "version": self.scheme_version},
            "period": self.period,
            # each indicator's rule as written, once rather than on every subject's line
            "rules": {
                ln.indicator_id: ln.rule_text
                for ln in next((s.lines for s in self.sheets if s.lines), ())
            },
            "mean_total": (
                self.precision.number(self.mean_total) if self.mean_total is not None else None
            ),
            "sheets": [s.to_dict() for s in self.sheets],
            "missing": [
                {
                    "subject_id": m.subject_id,
                    "input_id": m.input_id,
                    "resolution": m.resolution,
                    "reason": m.reason,
                }
                for m in self.missing
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def shown(value: object) -> str:
    """A fact value as text: decimals plain, booleans true/false, lists comma separated.

    Decimals read as in the explanations: exact up to 4 places, else ``≈`` rounded, since a
    derived value (12 ÷ 90 × 100) would otherwise print 28 digits."""
    if isinstance(value, Decimal):
        return show(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ",".join(f"{k}:{shown(v)}" for k, v in sorted(value.items())) or "{}"
    if isinstance(value, list):
        return ",".join(v.isoformat() if isinstance(v, date) else shown(v) for v in value)
    return str(value)
