"""Period results of a tenant's scheme: locked editions, provisional sheets, traced score sheets.

An evaluation is the engine's `Evaluation` of the latest published version over one period's
facts, kept with what it was computed from, so it can be shown, explained and reproduced:

- **final editions** (`Kind.FINAL`): evaluated at (or, confirmed, before) the period's end,
  locked and published (`scores.published`) as edition 1; a correction, with its reason, is
  edition n+1 over the facts as they stand then. Every edition is kept; the latest is the
  result. Only final editions feed later periods' streaks (yellow then red card, notices).
- **provisional** (`Kind.PROVISIONAL`): the current period evaluated again whenever the
  tenant's ledger changes, overwritten each time and never published as a result.

A subject's score sheet is the engine's sheet (lines with points and their arithmetic in
Chinese and English, total, rank, grade, flags, money) joined with the facts behind each line
and their trace from the facts bridge (ledger entries, event ids, patrol days, survey rates,
manual inputs with their evidence).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, ClassVar

from shared.periods import Period

from .bridge import SHARED
from .facts import Facts
from .numbers import fmt, money
from .results import Evaluation, ScoreSheet, shown
from .scheme import Scheme
from .schemes import canonical_json

REASON_MAX = 500
# What a scores.published message carries at most (the contract's ROWS_PER_PART).
ROWS_PER_PART = 250
# Sheets stored together: a subject's sheet is read with 99 others, and a 500-subject period
# is five writes, not five hundred.
SHEETS_PER_CHUNK = 100


class Kind(StrEnum):
    FINAL = "final"
    PROVISIONAL = "provisional"


@dataclass(frozen=True)
class MoneyAmount:
    rule_id: str
    amount: Decimal
    forfeited: bool


@dataclass(frozen=True)
class SheetRow:
    """One subject's result as lists, events and exports show it (no lines)."""

    subject_id: str
    subject_name: str
    assessable: bool
    total: Decimal | None
    rank: int | None
    grade: str | None
    grade_zh: str | None
    grade_en: str | None
    flags: tuple[str, ...]
    money_total: Decimal
    money: tuple[MoneyAmount, ...]
    missing: tuple[str, ...]  # inputs the subject lacked (not assessable or a default used)
    chunk: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "assessable": self.assessable,
            "total": None if self.total is None else fmt(self.total),
            "rank": self.rank,
            "grade": self.grade,
            "grade_zh": self.grade_zh,
            "grade_en": self.grade_en,
            "flags": list(self.flags),
            "money_total": money(self.money_total),
            "money": [
                {"rule_id": m.rule_id, "amount": money(m.amount), "forfeited": m.forfeited}
                for m in self.money
            ],
            "missing": list(self.missing),
            "chunk": self.chunk,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SheetRow:
        return cls(
            subject_id=data["subject_id"],
            subject_name=data["subject_name"],
            assessable=data["assessable"],
            total=None if data["total"] is None else Decimal(data["total"]),
            rank=data["rank"],
            grade=data["grade"],
            grade_zh=data["grade_zh"],
            grade_en=data["grade_en"],
            flags=tuple(data["flags"]),
            money_total=Decimal(data["money_total"]),
            money=tuple(
                MoneyAmount(m["rule_id"], Decimal(m["amount"]), m["forfeited"])
                for m in data["money"]
            ),
            missing=tuple(data["missing"]),
            chunk=data["chunk"],
        )


@dataclass(frozen=True)
class Header:
    """One stored evaluation without its sheets: who, when, over what, and every row."""

    scheme_id: str
    scheme_version: int
    scheme_digest: str
    subject_kind: str
    period: Period
    kind: Kind
    edition: int  # 1, 2, ... for final editions; 0 for the provisional one
    run_id: str  # the sheets written by this evaluation
    reason: str | None
    supersedes: int | None
    evaluated_at: datetime
    evaluated_by: str
    rows: tuple[SheetRow, ...]
    mean_total: Decimal | None
    rules: Mapping[str, str]
    streak_hits: Mapping[str, tuple[str, ...]]
    facts_digest: str
    chunks: int
    revision: int = 0

    @property
    def incomplete(self) -> int:
        """Sheets not to take as final: not assessable, or paid without a money line."""
        return sum(1 for row in self.rows if not row.assessable or row.missing)

    def row(self, subject_id: str) -> SheetRow | None:
        return next((row for row in self.rows if row.subject_id == subject_id), None)

    def history_entry(self) -> dict[str, Any]:
        """What the engine reads back for later periods' streaks (an evaluation's to_dict()
        shape, reduced to the streak hits)."""
        return {
            "scheme": {"id": self.scheme_id, "version": self.scheme_version},
            "period": self.period.label,
            "sheets": [
                {"subject_id": subject, "streak_hits": list(hits)}
                for subject, hits in sorted(self.streak_hits.items())
            ],
        }


@dataclass(frozen=True)
class Computed:
    """An evaluation about to be stored: its header and each subject's sheet document."""

    header: Header
    sheets: Mapping[str, dict[str, Any]]  # subject id -> the stored sheet (see `sheet_record`)
    facts: str  # the facts evaluated, canonical JSON: the evaluation can be reproduced


@dataclass(frozen=True)
class ScoresPublished:
    """One part of an edition's rows (`scores.published`)."""

    header: Header
    part: int
    parts: int
    rows: tuple[SheetRow, ...]
    occurred_at: datetime

    type: ClassVar[str] = "scores.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return f"{self.header.scheme_id}:{self.header.period.label}"

    def payload(self) -> dict[str, Any]:
        header = self.header
        return {
            "scheme_id": header.scheme_id,
            "scheme_version": header.scheme_version,
            "subject_kind": header.subject_kind,
            "period_kind": header.period.kind,
            "period": header.period.label,
            "first_day": header.period.start.isoformat(),
            "last_day": header.period.end.isoformat(),
            "edition": header.edition,
            "supersedes": header.supersedes,
            "subjects": len(header.rows),
            "part": self.part,
            "parts": self.parts,
            "rows": [
                {
                    "subject_id": row.subject_id,
                    "assessable": row.assessable,
                    "total": None if row.total is None else fmt(row.total),
                    "rank": row.rank,
                    "grade": row.grade,
                    "flags": list(row.flags),
                    "money_total": money(row.money_total),
                    "money": [
                        {
                            "rule_id": m.rule_id,
                            "amount": money(m.amount),
                            "forfeited": m.forfeited,
                        }
                        for m in row.money
                    ],
                }
                for row in self.rows
            ],
            "published_by": header.evaluated_by,
            "published_at": self.occurred_at.isoformat(),
        }


def published_events(header: Header) -> list[ScoresPublished]:
    """The messages publishing a final edition: its rows in parts of `ROWS_PER_PART`."""
    if header.kind is not Kind.FINAL:
        raise ValueError("only final editions are published")
    rows = header.rows
    parts = max(1, -(-len(rows) // ROWS_PER_PART))
    return [
        ScoresPublished(
            header=header,
            part=n + 1,
            parts=parts,
            rows=rows[n * ROWS_PER_PART : (n + 1) * ROWS_PER_PART],
            occurred_at=header.evaluated_at,
        )
        for n in range(parts)
    ]


# -- from the engine's evaluation ------------------------------------------------------------


def compute(
    *,
    scheme: Scheme,
    scheme_digest: str,
    period: Period,
    evaluation: Evaluation,
    facts: Facts,
    trace: Mapping[tuple[str, str], Sequence[object]],
    kind: Kind,
    edition: int,
    run_id: str,
    reason: str | None,
    evaluated_at: datetime,
    evaluated_by: str,
) -> Computed:
    """The header and sheets to store for ``evaluation`` (the engine's, of ``scheme`` over
    ``facts``), each sheet with the facts behind its lines and their ``trace``."""
    facts_json = facts_document(facts)
    order = {sheet.subject_id: n for n, sheet in enumerate(evaluation.sheets)}
    rows = tuple(
        _row(sheet, order[sheet.subject_id] // SHEETS_PER_CHUNK) for sheet in evaluation.sheets
    )
    values = {s.id: s.values for s in facts.subjects}
    sheets = {
        sheet.subject_id: sheet_record(
            scheme, sheet, values.get(sheet.subject_id, {}), facts.shared, trace
        )
        for sheet in evaluation.sheets
    }
    header = Header(
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        scheme_digest=scheme_digest,
        subject_kind=scheme.subject,
        period=period,
        kind=kind,
        edition=edition,
        run_id=run_id,
        reason=reason,
        supersedes=edition - 1 if kind is Kind.FINAL and edition > 1 else None,
        evaluated_at=evaluated_at,
        evaluated_by=evaluated_by,
        rows=rows,
        # Shown, not computed with: at the scheme's precision (a mean of three totals would
        # otherwise print 28 digits).
        mean_total=(
            None
            if evaluation.mean_total is None
            else Decimal(evaluation.precision.number(evaluation.mean_total))
        ),
        rules=evaluation.to_dict()["rules"] if evaluation.sheets else {},
        streak_hits={
            s.subject_id: tuple(s.streak_hits) for s in evaluation.sheets if s.streak_hits
        },
        facts_digest=hashlib.sha256(facts_json.encode("utf-8")).hexdigest(),
        chunks=max(1, -(-len(rows) // SHEETS_PER_CHUNK)),
    )
    return Computed(header=header, sheets=sheets, facts=facts_json)


def _row(sheet: ScoreSheet, chunk: int) -> SheetRow:
    return SheetRow(
        subject_id=sheet.subject_id,
        subject_name=sheet.subject_name,
        assessable=sheet.assessable,
        total=sheet.total,
        rank=sheet.rank,
        grade=sheet.grade,
        grade_zh=None if sheet.grade_name is None else sheet.grade_name.zh,
        grade_en=None if sheet.grade_name is None else sheet.grade_name.en,
        flags=tuple(flag.id for flag in sheet.flags),
        money_total=sheet.money_total,
        money=tuple(MoneyAmount(m.rule_id, m.amount, m.forfeited) for m in sheet.money),
        missing=tuple(sorted({m.input_id for m in sheet.missing if m.resolution != "default"})),
        chunk=chunk,
    )


def sheet_record(
    scheme: Scheme,
    sheet: ScoreSheet,
    values: Mapping[str, object],
    shared: Mapping[str, object],
    trace: Mapping[tuple[str, str], Sequence[object]],
) -> dict[str, Any]:
    """A subject's sheet as stored and shown: the engine's sheet, each line naming the inputs
    behind it (through derived values), and every input's value and trace."""
    data = sheet.to_dict()
    behind = _inputs_behind(scheme)
    for line in data["lines"]:
        line["facts"] = sorted({name for used in line["inputs"] for name in behind.get(used, ())})
    facts: list[dict[str, Any]] = []
    for spec in scheme.inputs:
        is_shared = spec.scope == "shared"
        given = shared if is_shared else values
        items = trace.get((sheet.subject_id, spec.id), ()) or (
            trace.get((SHARED, spec.id), ()) if is_shared else ()
        )
        facts.append(
            {
                "input_id": spec.id,
                "name": {"zh": spec.name.zh, "en": spec.name.en},
                "source": spec.source,
                "scope": spec.scope,
                "given": spec.id in given,
                "value": shown(given[spec.id]) if spec.id in given else None,
                "default": shown(spec.default) if spec.has_default else None,
                "trace": [plain(item) for item in items],
            }
        )
    data["facts"] = facts
    return data


def _inputs_behind(scheme: Scheme) -> dict[str, frozenset[str]]:
    """For each input or derived name, the inputs it is computed from."""
    inputs = {spec.id for spec in scheme.inputs}
    derived = {d.id: d.formula.names for d in scheme.derived}
    found: dict[str, frozenset[str]] = {name: frozenset({name}) for name in inputs}

    def resolve(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in found:
            return found[name]
        if name not in derived or name in seen:
            return frozenset()
        result = frozenset().union(*(resolve(n, seen | {name}) for n in derived[name]))
        found[name] = result
        return result

    for name in derived:
        resolve(name, frozenset())
    return found


# The field names of each dataclass `plain` meets (a period's trace holds tens of thousands
# of items of one or two classes; `dataclasses.fields` per item was most of a sheet's cost).
_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = (str, int, bool, type(None))


def plain(value: object) -> Any:
    """A trace item (or any value the facts bridge hands over) as JSON-ready data:
    dataclasses as objects without their empty fields, mappings as objects, decimals and
    instants as text."""
    if isinstance(value, _SCALARS):
        return value
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        found = {}
        for name in names:
            item = getattr(value, name)
            if item is None or (not item and isinstance(item, Mapping | tuple | list)):
                continue
            found[name] = item if isinstance(item, str) else plain(item)
        return found
    return _container_or_text(value)


def _container_or_text(value: object) -> Any:
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value if isinstance(value, _SCALARS) else str(value)


def facts_document(facts: Facts) -> str:
    """The facts evaluated, as canonical JSON with exact numbers (what `load_facts` reads
    back to evaluate them again)."""
    document: dict[str, Any] = {
        "period": facts.period,
        "shared": dict(facts.shared),
        "subjects": [{"id": s.id, "name": s.name, "facts": dict(s.values)} for s in facts.subjects],
    }
    calendar = facts.calendar
    decided: dict[str, Any] = {}
    if calendar.working_days is not None:
        decided["working_days"] = calendar.working_days
    if calendar.extra_holidays:
        decided["extra_holidays"] = sorted(d.isoformat() for d in calendar.extra_holidays)
    if calendar.extra_workdays:
        decided["extra_workdays"] = sorted(d.isoformat() for d in calendar.extra_workdays)
    if decided:
        document["calendar"] = decided
    return canonical_json(document)


def visible_rows(rows: Iterable[SheetRow], own: frozenset[str] | None) -> list[SheetRow]:
    """The rows a reader sees: all (``own`` None: the centre) or only his own subjects."""
    return [row for row in rows if own is None or row.subject_id in own]
