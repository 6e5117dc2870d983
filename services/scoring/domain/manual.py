"""Manual inputs (人工录入指标): the values of scheme inputs no service records.

Leader praise, media coverage, criticism, concealed or late major events, pioneer and snail
grid awards, inspection problem ranks, province/city compliance rates, the star composite:
centre staff enter them per scheme input, subject (none for a value every subject shares)
and period, with evidence (a text and references: document numbers, file names, links). One
`ManualInput` per (input, subject, period): entering it again is a conflict, changing it is a
correction with its reason, and every revision is kept (`revisions`, oldest first; the last
is the value). Each revision is published as `scoring.manual_input_recorded`, which also
puts it in the audit trail (`shared.audit`) with who made it.

Values are kept exact: numbers as Decimals (written as text), booleans, counts by level
(``{city: 1}``) and lists of dates. When the input is one a known scheme declares, the value
must fit its type and scope, and a platform input (filled from the ledger) cannot be entered.

The tenant's own calendar for a period is entered the same way (issue 14: how many working days
a scheme counts is the tenant's decision when it makes one): the shared inputs
`calendar_working_days`, `calendar_extra_holidays` and `calendar_extra_workdays`
(`CALENDAR_INPUTS`), with evidence (the township's notice), read into the facts' calendar by
`calendar_decisions` — every scheme of the tenant evaluating that period counts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput
from shared.periods import Period

from .facts import CalendarDecisions
from .numbers import to_decimal
from .problems import Text
from .scheme import InputDef, coerce

EVIDENCE_MAX = 2000
REASON_MAX = 500
REF_MAX = 200
REFS_MAX = 20
VALUE_ITEMS_MAX = 366

WORKING_DAYS = "calendar_working_days"
EXTRA_HOLIDAYS = "calendar_extra_holidays"
EXTRA_WORKDAYS = "calendar_extra_workdays"


def _calendar_input(input_id: str, kind: str, zh: str, en: str) -> InputDef:
    unit = Text("天", "days") if kind == "integer" else Text("", "")
    return InputDef(input_id, Text(zh, en), kind, unit, "manual", "shared", None, False)


CALENDAR_INPUTS: Mapping[str, InputDef] = {
    WORKING_DAYS: _calendar_input(WORKING_DAYS, "integer", "本期工作日天数", "working days"),
    EXTRA_HOLIDAYS: _calendar_input(EXTRA_HOLIDAYS, "dates", "本期另行放假日期", "extra holidays"),
    EXTRA_WORKDAYS: _calendar_input(
        EXTRA_WORKDAYS, "dates", "本期另行上班日期", "extra working days"
    ),
}


def calendar_decisions(values: Mapping[str, object]) -> CalendarDecisions:
    """The tenant's calendar for a period from its calendar inputs' values (by input id;
    others are ignored): what `Facts.calendar` carries to the engine."""
    working_days = values.get(WORKING_DAYS)

    def days(input_id: str) -> frozenset[date]:
        found = values.get(input_id)
        if not isinstance(found, list):
            return frozenset()
        return frozenset(date.fromisoformat(str(day)) for day in found)

    return CalendarDecisions(
        working_days=None if working_days is None else int(str(working_days)),
        extra_holidays=days(EXTRA_HOLIDAYS),
        extra_workdays=days(EXTRA_WORKDAYS),
    )


@dataclass(frozen=True)
class Revision:
    """One value a manual input had: the first entry (revision 1, no reason) or a correction."""

    revision: int
    value: object
    reason: str | None
    actor: str
    at: datetime


@dataclass(frozen=True)
class ManualInput:
    """The value of `input_id` for `subject_id` (None: shared by every subject) in `period`."""

    manual_input_id: str
    input_id: str
    subject_id: str | None
    period: str
    period_kind: str
    evidence: str
    refs: tuple[str, ...]
    revisions: tuple[Revision, ...]

    @property
    def current(self) -> Revision:
        return self.revisions[-1]

    @property
    def value(self) -> object:
        return self.current.value

    @property
    def revision(self) -> int:
        return self.current.revision

    @property
    def recorded_by(self) -> str:
        return self.revisions[0].actor

    @property
    def recorded_at(self) -> datetime:
        return self.revisions[0].at


@dataclass(frozen=True)
class ManualInputRecorded:
    """A revision of a manual input was recorded (the first entry or a correction)."""

    type: ClassVar[str] = "scoring.manual_input_recorded"
    version: ClassVar[int] = 1

    manual_input: ManualInput
    occurred_at: datetime

    @property
    def aggregate_id(self) -> str:
        return self.manual_input.manual_input_id

    def payload(self) -> dict[str, Any]:
        found = self.manual_input
        return {
            "manual_input_id": found.manual_input_id,
            "input_id": found.input_id,
            "subject_id": found.subject_id,
            "period_kind": found.period_kind,
            "period": found.period,
            "revision": found.revision,
            "value": value_json(found.value),
            "evidence_refs": len(found.refs),
            "recorded_by": found.current.actor,
            "recorded_at": found.current.at,
        }


def value_json(value: object) -> str:
    """A normalised value as canonical JSON text (numbers exact, as text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def value_from_json(text: str) -> object:
    """The stored value back (numbers stay text: the engine reads them exactly)."""
    loaded: object = json.loads(text)
    return loaded


def normalise(value: object, declared: InputDef | None, field: str = "value") -> object:
    """The value as kept: exact and JSON-able; `InvalidInput` naming `field` when it does not
    fit the declared input's type or, for an input no known scheme declares, is not a number,
    a boolean, counts by level or a list of dates."""
    if declared is not None:
        # The engine's own reading of the type: what it accepts, it accepts here.
        coerced, reason = coerce(declared.type, value)
        if reason is None:
            return _kept(coerced)
        raise InvalidInput([FieldProblem(field, f"{reason} (an input of type {declared.type})")])
    shaped, reason = _shape(value)
    if reason is not None:
        raise InvalidInput([FieldProblem(field, reason)])
    return shaped


def _kept(value: object) -> object:
    """A value as the engine reads it, as JSON-able data (numbers exact, as text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [d.isoformat() if isinstance(d, date) else str(d) for d in value]
    return value


def _shape(value: object) -> tuple[object, str | None]:
    if isinstance(value, bool):
        return value, None
    number = to_decimal(value) if isinstance(value, int | float | str | Decimal) else None
    if number is not None:
        return str(number), None
    if isinstance(value, Mapping):
        return _counts(value)
    if isinstance(value, list):
        return _dates(value)
    return None, "must be a number, true or false, counts by level or a list of dates"


def _counts(value: Mapping[object, object]) -> tuple[object, str | None]:
    if len(value) > VALUE_ITEMS_MAX:
        return None, f"must have at most {VALUE_ITEMS_MAX} levels"
    counts: dict[str, str] = {}
    for key, count in value.items():
        amount = to_decimal(count) if not isinstance(count, bool) else None
        if not isinstance(key, str) or not key or amount is None or amount < 0:
            return None, "must map each level to a count of zero or more"
        counts[key] = str(amount)
    return counts, None


def _dates(value: list[object]) -> tuple[object, str | None]:
    if len(value) > VALUE_ITEMS_MAX:
        return None, f"must have at most {VALUE_ITEMS_MAX} items"
    days: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            return None, "must be a list of dates (YYYY-MM-DD)"
        try:
            days.add(date.fromisoformat(item).isoformat())
        except ValueError:
            return None, f"{item!r} is not a date (YYYY-MM-DD)"
    return sorted(days), None


def _within(value: object, period: Period, input_id: str = "") -> None:
    """Dates of a list value must lie in the period (the engine would refuse them later), and
    a period's working days cannot outnumber its days."""
    number = to_decimal(value) if input_id == WORKING_DAYS else None
    if number is not None and not 0 <= number <= period.days:
        raise InvalidInput(
            [FieldProblem("value", f"must be 0 to the {period.days} days of {period.label}")]
        )
    if isinstance(value, list):
        outside = [d for d in value if not period.start <= date.fromisoformat(d) <= period.end]
        if outside:
            raise InvalidInput(
                [FieldProblem("value", f"dates outside {period.label}: {', '.join(outside)}")]
            )


def _check_declared(declared: InputDef | None, subject_id: str | None) -> None:
    if declared is None:
        return
    if declared.source != "manual":
        raise InvalidInput(
            [FieldProblem("input_id", "is filled from the ledger (a platform input), not by hand")]
        )
    if declared.scope == "shared" and subject_id is not None:
        raise InvalidInput(
            [FieldProblem("subject_id", "must be null: the input is shared by every subject")]
        )
    if declared.scope != "shared" and subject_id is None:
        raise InvalidInput([FieldProblem("subject_id", "is required for this input")])


def record(
    *,
    manual_input_id: str,
    input_id: str,
    subject_id: str | None,
    period: Period,
    value: object,
    evidence: str,
    refs: Sequence[str],
    actor: str,
    now: datetime,
    declared: InputDef | None,
) -> tuple[ManualInput, ManualInputRecorded]:
    """Enter a value (revision 1) with its evidence; `declared` is the input as a known
    scheme declares it (None when no known scheme does: any value shape is taken)."""
    require_aware(now)
    if not input_id.isidentifier():
        raise InvalidInput([FieldProblem("input_id", "must be an input id (letters, digits, _)")])
    _check_declared(declared, subject_id)
    kept = normalise(value, declared)
    _within(kept, period, input_id)
    found = ManualInput(
        manual_input_id=manual_input_id,
        input_id=input_id,
        subject_id=subject_id,
        period=period.label,
        period_kind=period.kind,
        evidence=evidence,
        refs=tuple(refs),
        revisions=(Revision(1, kept, None, actor, now),),
    )
    return found, ManualInputRecorded(found, now)


def correct(
    current: ManualInput,
    *,
    period: Period,
    value: object,
    reason: str,
    actor: str,
    now: datetime,
    declared: InputDef | None,
) -> tuple[ManualInput, ManualInputRecorded]:
    """A correction: the next revision with its reason; the earlier ones stay."""
    require_aware(now)
    if not reason.strip():
        raise InvalidInput([FieldProblem("reason", "must say why the value changes")])
    kept = normalise(value, declared)
    _within(kept, period, current.input_id)
    revision = Revision(current.revision + 1, kept, reason, actor, now)
    found = replace(current, revisions=(*current.revisions, revision))
    return found, ManualInputRecorded(found, now)


__all__ = [
    "CALENDAR_INPUTS",
    "ManualInput",
    "ManualInputRecorded",
    "Revision",
    "calendar_decisions",
    "correct",
    "normalise",
    "record",
    "value_from_json",
    "value_json",
]
