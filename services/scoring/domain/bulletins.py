"""排名通报 (bulletins): a published period's ranking notice, as a township posts it.

A bulletin is composed from one published edition (never provisional scores) and the latest
edition of the scheme's previous published period: each subject's rank, total and grade, its
movement since then (up, down, the same, new), the red and black lists (红榜/黑榜) and the
streak notices the scheme declares that the published history raised this period (约谈,
一票否决, 通报批评, 不再续聘, 黄牌/红牌: the sheet's flags from `streaks:`).

Red and black lists, by ``rank`` (the best and worst ``size``) or by ``grade`` (the scheme's
best and worst grade levels). A list by rank never splits a tie and never names subjects
that are not better (or worse) than anyone: the red list holds those ranked within the first
``size`` whose total is above the lowest total, the black list those within the last
``size`` counted from the bottom (1 + how many total less) whose total is below the highest;
a subject in both stays on the red list only. When every total is equal (a scheme paying
money without scored indicators) neither list names anyone.

Pure: no store, no clock. `BulletinPublished` is the event, ids and numbers only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from .evaluations import SheetRow
from .numbers import fmt

DEFAULT_SIZE = 3
MAX_SIZE = 50


class Movement(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"


class ListBy(StrEnum):
    RANK = "rank"
    GRADE = "grade"


MOVEMENT_ZH = {
    Movement.UP: "上升",
    Movement.DOWN: "下降",
    Movement.SAME: "持平",
    Movement.NEW: "新上榜",
}


@dataclass(frozen=True)
class Named:
    """A flag or grade as the scheme names it."""

    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Standing:
    """One subject's line of the bulletin."""

    subject_id: str
    subject_name: str
    assessable: bool
    rank: int | None
    total: Decimal | None
    grade: str | None
    grade_zh: str | None
    previous_rank: int | None
    movement: Movement | None  # None when not assessable this period
    flags: tuple[str, ...]

    @property
    def change(self) -> int | None:
        """Places gained (negative: lost) since the previous period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "assessable": self.assessable,
            "rank": self.rank,
            "total": None if self.total is None else fmt(self.total),
            "grade": self.grade,
            "grade_zh": self.grade_zh,
            "previous_rank": self.previous_rank,
            "movement": None if self.movement is None else self.movement.value,
            "flags": list(self.flags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Standing:
        return cls(
            subject_id=data["subject_id"],
            subject_name=data["subject_name"],
            assessable=data["assessable"],
            rank=data["rank"],
            total=None if data["total"] is None else Decimal(data["total"]),
            grade=data["grade"],
            grade_zh=data["grade_zh"],
            previous_rank=data["previous_rank"],
            movement=None if data["movement"] is None else Movement(data["movement"]),
            flags=tuple(data["flags"]),
        )


@dataclass(frozen=True)
class Notice:
    """A streak notice: the flag the scheme declares and the subjects it was raised for."""

    flag: Named
    subjects: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag.id,
            "zh": self.flag.zh,
            "en": self.flag.en,
            "subjects": list(self.subjects),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notice:
        return cls(Named(data["flag"], data["zh"], data["en"]), tuple(data["subjects"]))


@dataclass(frozen=True)
class Source:
    """Where a bulletin's figures come from: one published edition of one period."""

    period: str
    edition: int
    scheme_version: int
    evaluated_at: datetime


@dataclass(frozen=True)
class Bulletin:
    """A published period's ranking notice (what is stored and rendered)."""

    scheme_id: str
    scheme_name: str
    subject_kind: str
    period_kind: str
    period: str
    first_day: str
    last_day: str
    source: Source
    previous: Source | None
    list_by: ListBy
    size: int
    standings: tuple[Standing, ...]
    red: tuple[str, ...]
    black: tuple[str, ...]
    notices: tuple[Notice, ...]
    published_at: datetime
    published_by: str

    def standing(self, subject_id: str) -> Standing | None:
        return next((s for s in self.standings if s.subject_id == subject_id), None)

    def name_of(self, subject_id: str) -> str:
        found = self.standing(subject_id)
        return subject_id if found is None else found.subject_name

    def content(self) -> dict[str, Any]:
        """What is stored: everything but the header fields kept as columns."""
        return {
            "scheme_name": self.scheme_name,
            "subject_kind": self.subject_kind,
            "period_kind": self.period_kind,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "previous": None
            if self.previous is None
            else {
                "period": self.previous.period,
                "edition": self.previous.edition,
                "scheme_version": self.previous.scheme_version,
                "evaluated_at": self.previous.evaluated_at.isoformat(),
            },
            "source_evaluated_at": self.source.evaluated_at.isoformat(),
            "standings": [s.to_dict() for s in self.standings],
            "red": list(self.red),
            "black": list(self.black),
            "notices": [n.to_dict() for n in self.notices],
        }


def compose(
    *,
    scheme_id: str,
    scheme_name: str,
    subject_kind: str,
    period_kind: str,
    period: str,
    first_day: str,
    last_day: str,
    source: Source,
    rows: Sequence[SheetRow],
    previous: Source | None,
    previous_rows: Sequence[SheetRow],
    streaks: Sequence[Named],
    grades: Sequence[Named],
    list_by: ListBy,
    size: int,
    published_at: datetime,
    published_by: str,
) -> Bulletin:
    """The bulletin of ``rows`` (a published edition's, in rank order) against
    ``previous_rows`` (the previous published period's latest edition; empty for the first).
    ``streaks`` and ``grades`` are the scheme's, in the order it declares them (grades best
    first)."""
    before = {row.subject_id: row.rank for row in previous_rows if row.assessable}
    standings = tuple(_standing(row, before, previous is not None) for row in rows)
    if list_by is ListBy.GRADE:
        red, black = _by_grade(standings, grades)
    else:
        red, black = _by_rank(standings, size)
    notices = tuple(
        Notice(flag, tuple(s.subject_id for s in standings if flag.id in s.flags))
        for flag in streaks
        if any(flag.id in s.flags for s in standings)
    )
    return Bulletin(
        scheme_id=scheme_id,
        scheme_name=scheme_name,
        subject_kind=subject_kind,
        period_kind=period_kind,
        period=period,
        first_day=first_day,
        last_day=last_day,
        source=source,
        previous=previous,
        list_by=list_by,
        size=size,
        standings=standings,
        red=red,
        black=black,
        notices=notices,
        published_at=published_at,
        published_by=published_by,
    )


def _standing(row: SheetRow, before: Mapping[str, int | None], has_previous: bool) -> Standing:
    previous_rank = before.get(row.subject_id)
    movement: Movement | None = None
    if row.assessable and row.rank is not None:
        if previous_rank is None:
            movement = Movement.NEW
        elif row.rank < previous_rank:
            movement = Movement.UP
        elif row.rank > previous_rank:
            movement = Movement.DOWN
        else:
            movement = Movement.SAME
    return Standing(
        subject_id=row.subject_id,
        subject_name=row.subject_name,
        assessable=row.assessable,
        rank=row.rank,
        total=row.total,
        grade=row.grade,
        grade_zh=row.grade_zh,
        previous_rank=previous_rank if has_previous else None,
        movement=movement,
        flags=row.flags,
    )


def _ranked(standings: Sequence[Standing]) -> list[Standing]:
    return [s for s in standings if s.assessable and s.rank is not None and s.total is not None]


def _by_rank(standings: Sequence[Standing], size: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ranked = _ranked(standings)
    if not ranked:
        return (), ()
    totals = [s.total for s in ranked if s.total is not None]
    highest, lowest = max(totals), min(totals)
    red = [s for s in ranked if s.rank is not None and s.rank <= size and s.total != lowest]
    named = {s.subject_id for s in red}
    black = [
        s
        for s in ranked
        if s.total is not None
        and s.total != highest
        and s.subject_id not in named
        and 1 + sum(1 for t in totals if t < s.total) <= size
    ]
    # The black list reads worst first.
    black.sort(key=lambda s: (s.total, s.subject_id))
    return tuple(s.subject_id for s in red), tuple(s.subject_id for s in black)


def _by_grade(
    standings: Sequence[Standing], grades: Sequence[Named]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if len(grades) < 2:
        return (), ()
    best, worst = grades[0].id, grades[-1].id
    ranked = _ranked(standings)
    return (
        tuple(s.subject_id for s in ranked if s.grade == best),
        tuple(s.subject_id for s in reversed(ranked) if s.grade == worst),
    )


@dataclass(frozen=True)
class BulletinPublished:
    """`bulletin.published`: the centre published a period's ranking notice."""

    bulletin: Bulletin

    type: ClassVar[str] = "bulletin.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return f"{self.bulletin.scheme_id}:{self.bulletin.period}"

    @property
    def occurred_at(self) -> datetime:
        return self.bulletin.published_at

    def payload(self) -> dict[str, Any]:
        b = self.bulletin
        return {
            "scheme_id": b.scheme_id,
            "scheme_version": b.source.scheme_version,
            "subject_kind": b.subject_kind,
            "period_kind": b.period_kind,
            "period": b.period,
            "edition": b.source.edition,
            "previous_period": None if b.previous is None else b.previous.period,
            "previous_edition": None if b.previous is None else b.previous.edition,
            "subjects": len(b.standings),
            "list_by": b.list_by.value,
            "size": b.size,
            "red": list(b.red),
            "black": list(b.black),
            "notices": [{"flag": n.flag.id, "subjects": list(n.subjects)} for n in b.notices],
            "published_by": b.published_by,
            "published_at": b.published_at.isoformat(),
        }
