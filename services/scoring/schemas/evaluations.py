"""Evaluation (考核结果) request and response schemas: editions, rows, score sheets, and the
comparisons of simulate and compare."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.scoring.domain.evaluations import REASON_MAX
from shared.http import BaseSchema
from shared.http.schemas import MultilineString

_PERIOD = validate.Length(min=1, max=32)
_PERIOD_HELP = "2026-11 (month), 2026-Q4 (quarter), 2026 (year), 2026-01-01..2026-06-30 (custom)"


def _accept_incomplete() -> fields.Boolean:
    return fields.Boolean(
        load_default=False,
        metadata={
            "description": "publish even when subjects lack facts (they read as not "
            "assessable or without a money line)"
        },
    )


class EvaluateSchema(BaseSchema):
    period = fields.String(
        required=True, validate=_PERIOD, metadata={"description": f"考核期 / {_PERIOD_HELP}"}
    )
    before_end = fields.Boolean(
        load_default=False,
        metadata={"description": "lock the period before it ends (an office closing in December)"},
    )
    accept_incomplete = _accept_incomplete()
    accept_gap = fields.Boolean(
        load_default=False,
        metadata={
            "description": "lock it although the period before it is unpublished while an "
            "earlier one is (the scheme's streaks then see a gap there)"
        },
    )


class CorrectionSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "更正原因 / why the results are corrected (kept with them)"},
    )
    accept_incomplete = _accept_incomplete()


class SimulateSchema(BaseSchema):
    period = fields.String(
        required=True, validate=_PERIOD, metadata={"description": f"a past period: {_PERIOD_HELP}"}
    )
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "the version to try (default: the latest, usually the draft)"},
    )


class EditionQuerySchema(BaseSchema):
    edition = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "default: the latest"}
    )


class ProvisionalQuerySchema(BaseSchema):
    period = fields.String(validate=_PERIOD, metadata={"description": "default: the current"})


class CompareQuerySchema(BaseSchema):
    before = fields.Integer(
        data_key="from",
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "version"},
    )
    after = fields.Integer(
        data_key="to",
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "version"},
    )
    period = fields.String(required=True, validate=_PERIOD, metadata={"description": _PERIOD_HELP})


class MoneyAmountSchema(BaseSchema):
    rule_id = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True, places=2)
    forfeited = fields.Boolean(required=True)


class SheetRowSchema(BaseSchema):
    subject_id = fields.String(required=True)
    subject_name = fields.String(required=True)
    assessable = fields.Boolean(required=True)
    total = fields.Decimal(allow_none=True, as_string=True)
    rank = fields.Integer(allow_none=True)
    grade = fields.String(allow_none=True)
    grade_name = fields.Method("_grade_name", allow_none=True)
    flags = fields.List(fields.String(), required=True)
    money_total = fields.Decimal(required=True, as_string=True, places=2)
    money = fields.List(fields.Nested(MoneyAmountSchema), required=True)
    missing = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "inputs it lacked: not assessable or a money line skipped"},
    )

    def _grade_name(self, row: Any) -> dict[str, str] | None:
        if row.grade_zh is None:
            return None
        return {"zh": row.grade_zh, "en": row.grade_en}


class EditionSummarySchema(BaseSchema):
    scheme_id = fields.String(required=True)
    period = fields.Function(lambda e: e.period.label, required=True)
    kind = fields.String(required=True)
    edition = fields.Integer(required=True)
    scheme_version = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    supersedes = fields.Integer(allow_none=True)
    evaluated_at = fields.DateTime(required=True)
    evaluated_by = fields.String(required=True)
    subjects = fields.Integer(required=True)
    incomplete = fields.Integer(required=True)


def _header(name: str, **kwargs: Any) -> fields.Function:
    return fields.Function(lambda view: getattr(view.header, name), **kwargs)


class EvaluationSchema(BaseSchema):
    scheme_id = _header("scheme_id", required=True)
    scheme_version = _header("scheme_version", required=True)
    scheme_digest = _header("scheme_digest", required=True)
    subject_kind = _header("subject_kind", required=True)
    period = fields.Function(lambda view: view.header.period.label, required=True)
    period_kind = fields.Function(lambda view: view.header.period.kind, required=True)
    first_day = fields.Function(lambda view: view.header.period.start.isoformat())
    last_day = fields.Function(lambda view: view.header.period.end.isoformat())
    kind = fields.Function(
        lambda view: view.header.kind.value,
        metadata={"description": "final (locked, published) or provisional"},
    )
    edition = _header("edition", metadata={"description": "0 for provisional scores"})
    reason = _header("reason")
    supersedes = _header("supersedes")
    evaluated_at = fields.Function(lambda view: view.header.evaluated_at.isoformat())
    evaluated_by = _header("evaluated_by")
    subjects = fields.Function(lambda view: len(view.header.rows))
    incomplete = fields.Function(
        lambda view: view.header.incomplete,
        metadata={"description": "sheets not assessable or missing a money line"},
    )
    mean_total = fields.Function(
        lambda view: None if view.header.mean_total is None else str(view.header.mean_total)
    )
    facts_digest = _header("facts_digest")
    rows = fields.List(fields.Nested(SheetRowSchema), required=True)
    editions = fields.List(fields.Nested(EditionSummarySchema), required=True)


def _lines(view: Any) -> list[dict[str, Any]]:
    """Each line with the facts behind it written out (the sheet stores their names)."""
    facts = {fact["input_id"]: fact for fact in view.sheet["facts"]}
    return [
        {**line, "facts": [facts[name] for name in line["facts"] if name in facts]}
        for line in view.sheet["lines"]
    ]


class SheetSchema(BaseSchema):
    scheme_id = fields.Function(lambda view: view.header.scheme_id)
    scheme_version = fields.Function(lambda view: view.header.scheme_version)
    period = fields.Function(lambda view: view.header.period.label)
    kind = fields.Function(lambda view: view.header.kind.value)
    edition = fields.Function(lambda view: view.header.edition)
    evaluated_at = fields.Function(lambda view: view.header.evaluated_at.isoformat())
    subject_id = fields.Function(lambda view: view.row.subject_id)
    subject_name = fields.Function(lambda view: view.row.subject_name)
    assessable = fields.Function(lambda view: view.sheet["assessable"])
    total = fields.Function(lambda view: view.sheet["total"])
    rank = fields.Function(lambda view: view.sheet["rank"])
    grade = fields.Function(lambda view: view.sheet["grade"])
    grade_name = fields.Function(lambda view: view.sheet["grade_name"])
    grade_note = fields.Function(lambda view: view.sheet["grade_note"])
    groups = fields.Function(lambda view: view.sheet["groups"])
    lines = fields.Function(
        _lines,
        metadata={
            "description": "every line: points (negative for deductions), max, rule, inputs "
            "used, explain {zh, en}, and the facts behind it with their trace"
        },
    )
    flags = fields.Function(lambda view: view.sheet["flags"])
    money = fields.Function(lambda view: view.sheet["money"])
    money_total = fields.Function(lambda view: view.sheet["money_total"])
    missing = fields.Function(lambda view: view.sheet["missing"])
    facts = fields.Function(
        lambda view: view.sheet["facts"],
        metadata={
            "description": "every input: value, source, and its trace (ledger entries, "
            "event ids, patrol days, survey rates, manual inputs with evidence)"
        },
    )


class ComparisonSchema(BaseSchema):
    before = fields.Function(lambda c: c.to_dict()["before"], required=True)
    after = fields.Function(lambda c: c.to_dict()["after"], required=True)
    period = fields.Function(lambda c: c.after.period, required=True)
    changed = fields.Function(
        lambda c: sum(1 for s in c.subjects if s.changed),
        metadata={"description": "subjects whose points, rank, grade, flags or money change"},
    )
    subjects = fields.Function(
        lambda c: [s.to_dict() | {"changed": s.changed} for s in c.subjects], required=True
    )
