"""Appeals (申诉/复核): a subject contests one line of a published score sheet.

A subject (a worker, a grid or a village, through the people the sheet API lets read its
sheet) or the centre on its behalf appeals ONE line (an indicator id or a money rule id of
the sheet's scheme version) of the latest published edition of a period, with a text and
evidence files, within the tenant's window; the centre decides it with a reason within the
review deadline:

- **window**: `AppealSettings.window_days` working days after the day (Asia/Shanghai) the
  edition was published; filing is open until the end of the last of them. **Deadline**: the
  review is due by the end of the `review_days`-th working day after the day it was filed.
  Working days are the scheme's calendar (`shared.calendar.WorkCalendar`: Chinese holidays
  and make-up working days by default).
- **states**: ``open`` -> ``accepted`` | ``rejected``, once. An open appeal past its due day
  is overdue (`is_overdue`); the worker's job marks it (`mark_overdue`, `AppealOverdue` once)
  and it can still be decided. One open appeal per subject, line and period at a time.
- an **accepted** appeal names the facts it corrects (`Correction`: an input behind the
  line, `inputs_behind`), which the use case writes (a manual input's correction, or a fact
  adjustment for a ledger-fed input) before the period is republished as the next edition
  (`record_edition`); a **rejected** one changes nothing.

Events carry ids, codes and dates only: never the text, the reason or the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from shared.calendar import WorkCalendar
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

from .money import RESULT_NAMES
from .scheme import Scheme

TEXT_MAX = 2000
REASON_MAX = 500
REQUEST_ID_MAX = 64
EVIDENCE_MAX = 10  # files per appeal
CORRECTIONS_MAX = 20
DEFAULT_WINDOW_DAYS = 5
DEFAULT_REVIEW_DAYS = 5
DAYS_MAX = 60


class Status(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class LineKind(StrEnum):
    INDICATOR = "indicator"
    MONEY = "money"


@dataclass(frozen=True)
class AppealSettings:
    """A tenant's appeal rules: how many working days after publication an appeal may be
    filed, and how many working days after filing the review is due."""

    window_days: int = DEFAULT_WINDOW_DAYS
    review_days: int = DEFAULT_REVIEW_DAYS

    def __post_init__(self) -> None:
        for name in ("window_days", "review_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= DAYS_MAX:
                raise InvalidInput.of(name, f"must be a whole number of days from 1 to {DAYS_MAX}")


@dataclass(frozen=True)
class Evidence:
    """One evidence file of an appeal (its bytes are stored apart, by `evidence_id`)."""

    evidence_id: str
    content_type: str
    size: int
    sha256: str
    filename: str
    uploaded_by: str
    uploaded_at: datetime
    file_ref: str = ""  # where the store keeps the bytes


@dataclass(frozen=True)
class Correction:
    """What an accepted appeal sets one fact of the subject to (the value as kept: numbers as
    exact text), and the value the appealed edition had (as the sheet shows it)."""

    input_id: str
    value: object
    source: str  # the input's source: "manual" (a manual input corrected) or "platform"
    previous: str | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str
    corrections: tuple[Correction, ...]
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Appeal:
    """One appeal of one line of one subject's sheet."""

    appeal_id: str
    request_id: str
    scheme_id: str
    period: str
    period_kind: str
    subject_id: str
    subject_kind: str
    line: str
    line_kind: LineKind
    edition: int  # the edition appealed (the latest when filed)
    text: str
    filed_by: str
    filed_at: datetime
    window_ends_on: date
    due_on: date
    status: Status = Status.OPEN
    evidence: tuple[Evidence, ...] = ()
    decision: Decision | None = None
    overdue_at: datetime | None = None
    # The edition an accepted appeal's corrections produced (None until it is published).
    correction_edition: int | None = None
    revision: int = 0

    @property
    def open_key(self) -> str:
        """What makes an open appeal unique: one per subject, line and period of a scheme."""
        return f"{self.scheme_id}|{self.period}|{self.subject_id}|{self.line}"

    def is_overdue(self, today: date) -> bool:
        """Undecided after its due day."""
        return self.status is Status.OPEN and today > self.due_on

    @property
    def republished(self) -> bool:
        """Done: rejected, or accepted and its correction edition published."""
        return self.status is Status.REJECTED or self.correction_edition is not None


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AppealEvent:
    """An appeal's published event: keyed by the appeal, ids and dates only."""

    version: ClassVar[int] = 1

    appeal: Appeal
    occurred_at: datetime

    @property
    def aggregate_id(self) -> str:
        return self.appeal.appeal_id


@dataclass(frozen=True)
class AppealFiled(_AppealEvent):
    type: ClassVar[str] = "appeal.filed"

    def payload(self) -> dict[str, Any]:
        a = self.appeal
        return {
            **_ids(a),
            "filed_by": a.filed_by,
            "filed_at": a.filed_at.isoformat(),
            "window_ends_on": a.window_ends_on.isoformat(),
            "due_on": a.due_on.isoformat(),
        }


@dataclass(frozen=True)
class AppealDecided(_AppealEvent):
    type: ClassVar[str] = "appeal.decided"

    def payload(self) -> dict[str, Any]:
        a = self.appeal
        assert a.decision is not None
        return {
            **_ids(a),
            "outcome": a.decision.outcome.value,
            "corrected_inputs": [c.input_id for c in a.decision.corrections],
            "correction_edition": a.correction_edition,
            "decided_by": a.decision.decided_by,
            "decided_at": a.decision.decided_at.isoformat(),
            "due_on": a.due_on.isoformat(),
        }


@dataclass(frozen=True)
class AppealOverdue(_AppealEvent):
    type: ClassVar[str] = "appeal.overdue"

    def payload(self) -> dict[str, Any]:
        a = self.appeal
        return {**_ids(a), "due_on": a.due_on.isoformat(), "filed_at": a.filed_at.isoformat()}


def _ids(a: Appeal) -> dict[str, Any]:
    return {
        "appeal_id": a.appeal_id,
        "scheme_id": a.scheme_id,
        "period_kind": a.period_kind,
        "period": a.period,
        "subject_kind": a.subject_kind,
        "subject_id": a.subject_id,
        "line": a.line,
        "line_kind": a.line_kind.value,
        "edition": a.edition,
    }


# -- the calendar ------------------------------------------------------------------------


def working_days_after(day: date, days: int, calendar: WorkCalendar) -> date:
    """The ``days``-th working day after ``day`` (``day`` itself does not count)."""
    found = day
    for _ in range(days):
        found = calendar.next_workday(found)
    return found


def window_ends_on(published_on: date, settings: AppealSettings, calendar: WorkCalendar) -> date:
    """The last day an edition published on ``published_on`` may be appealed."""
    return working_days_after(published_on, settings.window_days, calendar)


def review_due_on(filed_on: date, settings: AppealSettings, calendar: WorkCalendar) -> date:
    """The day by whose end an appeal filed on ``filed_on`` must be decided."""
    return working_days_after(filed_on, settings.review_days, calendar)


# -- the line and the facts behind it ----------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Keys whose text is prose, never a name the engine reads.
_PROSE = frozenset({"zh", "en", "name", "id", "type", "group", "section", "note"})


def line_kind(scheme: Scheme, line: str) -> LineKind | None:
    """Whether ``line`` is one of the scheme's indicators or money rules (None: neither)."""
    if any(i.id == line for i in scheme.indicators):
        return LineKind.INDICATOR
    if any(m.id == line for m in scheme.money):
        return LineKind.MONEY
    return None


def inputs_behind(scheme: Scheme, line: str) -> frozenset[str]:
    """The scheme inputs a line's points or amount are computed from: the names its rule,
    conditions and formulas read (derived values resolved to their inputs); a money rule that
    reads a result (rank, total, grade...) or pays by grade reads every indicator's inputs."""
    source = scheme.source
    kind = line_kind(scheme, line)
    if kind is None:
        return frozenset()
    section = "indicators" if kind is LineKind.INDICATOR else "money"
    raw: Mapping[str, Any] = next(
        (item for item in source.get(section, ()) if item.get("id") == line), {}
    )
    names = set(_names_in(raw))
    if kind is LineKind.MONEY and (names & RESULT_NAMES or raw.get("type") == "grade_subsidy"):
        for indicator in source.get("indicators", ()):
            names |= set(_names_in(indicator))
    return _resolved(scheme, names)


def _names_in(value: object, key: str | None = None) -> Iterable[str]:
    if key in _PROSE:
        return
    if isinstance(value, str):
        yield from _NAME.findall(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _names_in(v, str(k))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _names_in(item)


def _resolved(scheme: Scheme, names: set[str]) -> frozenset[str]:
    inputs = {i.id for i in scheme.inputs}
    derived = {d.id: d.formula.names for d in scheme.derived}
    found: set[str] = set()
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in inputs:
            found.add(name)
        elif name in derived:
            todo.extend(derived[name])
    return frozenset(found)


# -- rules -------------------------------------------------------------------------------


def file(
    *,
    appeal_id: str,
    request_id: str,
    scheme: Scheme,
    period: str,
    period_kind: str,
    subject_id: str,
    line: str,
    edition: int,
    published_at: datetime,
    text: str,
    actor: str,
    now: datetime,
    today: date,
    published_on: date,
    settings: AppealSettings,
) -> tuple[Appeal, AppealFiled]:
    """File an appeal of ``line`` of the subject's sheet in ``edition`` (published at
    ``published_at``, on local day ``published_on``); ``today`` is the local day of ``now``.
    `InvalidInput` naming ``line`` for a line the scheme does not have, ``text`` for an empty
    text and ``period`` when the window has closed."""
    require_aware(now)
    require_aware(published_at)
    kind = line_kind(scheme, line)
    problems = []
    if kind is None:
        problems.append(
            FieldProblem("line", f"is neither an indicator nor a money rule of scheme {scheme.id}")
        )
    if not text.strip():
        problems.append(FieldProblem("text", "must say what is wrong with the line"))
    ends_on = window_ends_on(published_on, settings, scheme.calendar)
    if today > ends_on:
        problems.append(
            FieldProblem(
                "period",
                f"申诉期已过 / the appeal window of {period} closed on {ends_on.isoformat()} "
                f"({settings.window_days} working days after edition {edition} was "
                f"published on {published_on.isoformat()})",
            )
        )
    if problems:
        raise InvalidInput(problems)
    assert kind is not None
    appeal = Appeal(
        appeal_id=appeal_id,
        request_id=request_id,
        scheme_id=scheme.id,
        period=period,
        period_kind=period_kind,
        subject_id=subject_id,
        subject_kind=scheme.subject,
        line=line,
        line_kind=kind,
        edition=edition,
        text=text.strip(),
        filed_by=actor,
        filed_at=now,
        window_ends_on=ends_on,
        due_on=review_due_on(today, settings, scheme.calendar),
    )
    return appeal, AppealFiled(appeal, now)


def add_evidence(appeal: Appeal, evidence: Evidence) -> Appeal:
    """One more evidence file; 409 once decided or at `EVIDENCE_MAX` files."""
    if appeal.status is not Status.OPEN:
        raise StateConflict(f"appeal {appeal.appeal_id} is {appeal.status}: its file is closed")
    if len(appeal.evidence) >= EVIDENCE_MAX:
        raise StateConflict(f"appeal {appeal.appeal_id} has {EVIDENCE_MAX} files already")
    return replace(appeal, evidence=(*appeal.evidence, evidence))


def decide(
    appeal: Appeal,
    *,
    scheme: Scheme,
    outcome: Outcome,
    reason: str,
    corrections: Sequence[Correction],
    actor: str,
    now: datetime,
) -> tuple[Appeal, list[AppealDecided]]:
    """Accept (with the facts it corrects) or reject (changing nothing) an open appeal.

    A rejection is final at once and records `AppealDecided`; an acceptance is recorded
    without its event, which follows with the edition the corrections produce
    (`record_edition`). 409 when decided already; 422 naming ``reason``, ``corrections`` or
    ``corrections.<n>.input_id`` when the decision does not fit the line."""
    require_aware(now)
    if appeal.status is not Status.OPEN:
        raise StateConflict(f"appeal {appeal.appeal_id} was {appeal.status} already")
    problems: list[FieldProblem] = []
    if not reason.strip():
        problems.append(FieldProblem("reason", "must say why"))
    if outcome is Outcome.REJECTED and corrections:
        problems.append(FieldProblem("corrections", "a rejected appeal corrects nothing"))
    if outcome is Outcome.ACCEPTED:
        problems.extend(_check_corrections(appeal, scheme, corrections))
    if problems:
        raise InvalidInput(problems)
    decision = Decision(outcome, reason.strip(), tuple(corrections), actor, now)
    status = Status.ACCEPTED if outcome is Outcome.ACCEPTED else Status.REJECTED
    decided = replace(appeal, status=status, decision=decision)
    events = [AppealDecided(decided, now)] if status is Status.REJECTED else []
    return decided, events


def _check_corrections(
    appeal: Appeal, scheme: Scheme, corrections: Sequence[Correction]
) -> list[FieldProblem]:
    if not corrections:
        return [FieldProblem("corrections", "an accepted appeal corrects at least one fact")]
    behind = inputs_behind(scheme, appeal.line)
    problems = []
    seen: set[str] = set()
    for n, correction in enumerate(corrections):
        spec = scheme.input(correction.input_id)
        field = f"corrections.{n}.input_id"
        if spec is None:
            problems.append(FieldProblem(field, f"is not an input of scheme {scheme.id}"))
        elif spec.scope == "shared":
            problems.append(
                FieldProblem(field, "is shared by every subject: one appeal cannot change it")
            )
        elif correction.input_id not in behind:
            problems.append(
                FieldProblem(
                    field,
                    f"is not behind line {appeal.line} (it reads {', '.join(sorted(behind))})",
                )
            )
        elif correction.input_id in seen:
            problems.append(FieldProblem(field, "is corrected twice"))
        seen.add(correction.input_id)
    return problems


def record_edition(appeal: Appeal, edition: int, now: datetime) -> tuple[Appeal, AppealDecided]:
    """An accepted appeal's corrections were published as ``edition``: the decision is
    complete and announced."""
    if appeal.status is not Status.ACCEPTED:
        raise StateConflict(f"appeal {appeal.appeal_id} is {appeal.status}, not accepted")
    done = replace(appeal, correction_edition=edition)
    return done, AppealDecided(done, now)


def mark_overdue(appeal: Appeal, *, today: date, now: datetime) -> tuple[Appeal, AppealOverdue]:
    """Mark an open appeal past its due day; `StateConflict` when it is not (or is marked)."""
    if not appeal.is_overdue(today) or appeal.overdue_at is not None:
        raise StateConflict(f"appeal {appeal.appeal_id} is not newly overdue")
    marked = replace(appeal, overdue_at=now)
    return marked, AppealOverdue(marked, now)


def edition_reason(appeal: Appeal, reason: str) -> str:
    """The correction edition's reason: names the appeal (how a retry finds the edition it
    published already) and the reviewer's reason."""
    head = f"申诉复核 {appeal.appeal_id}（{appeal.line}）："
    return (head + reason)[:REASON_MAX]


def edition_tag(appeal: Appeal) -> str:
    return f"申诉复核 {appeal.appeal_id}（"


__all__ = [
    "Appeal",
    "AppealDecided",
    "AppealFiled",
    "AppealOverdue",
    "AppealSettings",
    "Correction",
    "Decision",
    "Evidence",
    "LineKind",
    "Outcome",
    "Status",
    "add_evidence",
    "decide",
    "edition_reason",
    "file",
    "inputs_behind",
    "line_kind",
    "mark_overdue",
    "record_edition",
    "review_due_on",
    "window_ends_on",
]
