"""Satisfaction-rate request and response schemas (满意率).

A suppressed cell shows ``suppressed: true`` with null n, satisfied, rate and interval, and the
same note whether it is below the minimum itself or hidden so that such a cell cannot be
worked out: telling the two apart would point at the small one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import fields, validate

from services.survey.domain.rates import (
    SCOPE_VALUES,
    SOURCE_LABELS,
    Interval,
    Publication,
    RateDefinition,
    RateRow,
    RateSettings,
    SourceFigure,
)
from services.survey.use_cases.rates import CellExplanation, RatesView
from shared.http import BaseSchema
from shared.periods import PERIOD_KINDS

SUPPRESSED_NOTE = (
    "样本量不足或为防止反推而隐藏 (hidden: too few answers, or to keep such a cell hidden)"
)
_ID = validate.Length(min=1, max=64)


class PeriodQuerySchema(BaseSchema):
    period_kind = fields.String(
        required=True,
        validate=validate.OneOf(PERIOD_KINDS),
        metadata={"description": "month, quarter, half, year or custom"},
    )
    period = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "2026-Q4, 2026-11, 2026-H2, 2026, 2026-01-01..2026-06-30"},
    )


class DefinitionQuerySchema(PeriodQuerySchema):
    sources = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "来源及权重, e.g. survey:0.7,hotline:0.3 (default: the tenant's)"},
    )
    basic_credit = fields.String(
        validate=validate.Length(min=1, max=8),
        metadata={"description": "12345 基本满意 counts 1, 0.5 or 0 (default: the tenant's)"},
    )


class RatesQuerySchema(DefinitionQuerySchema):
    scope = fields.String(
        validate=validate.OneOf(SCOPE_VALUES),
        metadata={"description": "grid, worker, division or tenant (default: all)"},
    )


class ExplainQuerySchema(DefinitionQuerySchema):
    grid_id = fields.String(validate=_ID)
    worker_id = fields.String(validate=_ID)
    division_id = fields.String(validate=_ID)


class PublishSchema(DefinitionQuerySchema):
    """The period and, optionally, the definition to publish (default: the tenant's)."""


class DefinitionInSchema(BaseSchema):
    sources = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "e.g. survey:0.7,hotline:0.3 (weights add up to 1)"},
    )
    basic_credit = fields.String(
        validate=validate.Length(min=1, max=8), metadata={"description": "1, 0.5 or 0"}
    )
    min_cell_size = fields.Integer(
        metadata={"description": "最小样本量: a cell with fewer answers shows no rate (5-100)"}
    )


# -- responses ----------------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _bound(interval: Interval | None, side: str) -> str | None:
    if interval is None:
        return None
    return str(interval.low if side == "low" else interval.high)


class CreditCountSchema(BaseSchema):
    credit = fields.Decimal(required=True, as_string=True)
    count = fields.Integer(required=True)


class SourceFigureSchema(BaseSchema):
    source = fields.Method("_source", required=True)
    label = fields.Method("_label", required=True, metadata={"description": "来源"})
    weight = fields.Decimal(required=True, as_string=True)
    effective_weight = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "after renormalising"}
    )
    n = fields.Integer(allow_none=True)
    satisfied = fields.Decimal(as_string=True, allow_none=True)
    rate = fields.Decimal(as_string=True, allow_none=True)
    low = fields.Method("_low", allow_none=True)
    high = fields.Method("_high", allow_none=True)
    suppressed = fields.Boolean(required=True)

    def _source(self, figure: SourceFigure) -> str:
        return figure.source.value

    def _label(self, figure: SourceFigure) -> str:
        return SOURCE_LABELS[figure.source]

    def _low(self, figure: SourceFigure) -> str | None:
        return _bound(figure.interval, "low")

    def _high(self, figure: SourceFigure) -> str | None:
        return _bound(figure.interval, "high")


class RateRowSchema(BaseSchema):
    scope = fields.Method("_scope", required=True)
    subject_id = fields.String(required=True)
    division_id = fields.String(allow_none=True, metadata={"description": "a grid's division"})
    n = fields.Integer(allow_none=True, metadata={"description": "样本量 (null when hidden)"})
    satisfied = fields.Decimal(as_string=True, allow_none=True)
    rate = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "满意率"})
    low = fields.Method("_low", allow_none=True, metadata={"description": "95% interval"})
    high = fields.Method("_high", allow_none=True)
    suppressed = fields.Boolean(required=True)
    note = fields.Method("_note", allow_none=True)
    renormalised = fields.Boolean(
        required=True, metadata={"description": "a source had no answers: weights renormalised"}
    )
    sources = fields.List(fields.Nested(SourceFigureSchema), required=True)

    def _scope(self, row: RateRow) -> str:
        return row.scope.value

    def _low(self, row: RateRow) -> str | None:
        return _bound(row.interval, "low")

    def _high(self, row: RateRow) -> str | None:
        return _bound(row.interval, "high")

    def _note(self, row: RateRow) -> str | None:
        return SUPPRESSED_NOTE if row.suppressed else None


def _definition(definition: RateDefinition) -> dict[str, Any]:
    return {
        "definition_code": definition.code,
        "sources": definition.sources_text,
        "weights": [
            {
                "source": source.value,
                "label": SOURCE_LABELS[source],
                "weight": str(definition.weights[source]),
            }
            for source in definition.sources
        ],
        "basic_credit": str(definition.basic_credit),
    }


class WeightSchema(BaseSchema):
    source = fields.String(required=True)
    label = fields.String(required=True)
    weight = fields.String(required=True)


class _DefinitionFields(BaseSchema):
    definition_code = fields.String(required=True, metadata={"description": "口径代码"})
    sources = fields.String(required=True)
    weights = fields.List(fields.Nested(WeightSchema), required=True)
    basic_credit = fields.String(required=True)
    min_cell_size = fields.Integer(required=True)


class RatesSchema(_DefinitionFields):
    period_kind = fields.String(required=True)
    period = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    narrowed = fields.Boolean(
        required=True, metadata={"description": "only the reader's own grids and worker row"}
    )
    rows = fields.List(fields.Nested(RateRowSchema), required=True)


def rates_body(view: RatesView) -> dict[str, Any]:
    return {
        **_definition(view.definition),
        "min_cell_size": view.minimum,
        "period_kind": view.period.kind,
        "period": view.period.label,
        "first_day": view.period.start,
        "last_day": view.period.end,
        "narrowed": view.narrowed,
        "rows": view.rows,
    }


class ExplainLineSchema(BaseSchema):
    source = fields.String(required=True)
    label = fields.String(required=True)
    weight = fields.String(required=True)
    effective_weight = fields.String(allow_none=True)
    n = fields.Integer(required=True)
    satisfied = fields.String(required=True)
    rate = fields.String(required=True)
    counts = fields.List(
        fields.Nested(CreditCountSchema),
        required=True,
        metadata={"description": "how many answers counted each credit"},
    )


class ExplainSchema(_DefinitionFields):
    period_kind = fields.String(required=True)
    period = fields.String(required=True)
    scope = fields.String(required=True)
    subject_id = fields.String(required=True)
    row = fields.Nested(
        RateRowSchema, allow_none=True, metadata={"description": "null: no answers"}
    )
    lines = fields.List(fields.Nested(ExplainLineSchema), required=True)


def explain_body(found: CellExplanation) -> dict[str, Any]:
    explanation = found.explanation
    return {
        **_definition(found.definition),
        "min_cell_size": found.minimum,
        "period_kind": found.period.kind,
        "period": found.period.label,
        "scope": found.scope.value,
        "subject_id": found.subject_id,
        "row": explanation.row,
        "lines": [
            {
                "source": line.source.value,
                "label": SOURCE_LABELS[line.source],
                "weight": str(line.weight),
                "effective_weight": _text(line.effective_weight),
                "n": line.n,
                "satisfied": str(line.satisfied),
                "rate": str(line.rate),
                "counts": line.counts,
            }
            for line in explanation.lines
        ],
    }


class SettingsSchema(_DefinitionFields):
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


def settings_body(settings: RateSettings) -> dict[str, Any]:
    return {
        **_definition(settings.definition),
        "min_cell_size": settings.minimum,
        "updated_at": settings.updated_at,
        "updated_by": settings.updated_by,
    }


class PublicationSchema(_DefinitionFields):
    publication_id = fields.String(required=True)
    edition = fields.Integer(required=True)
    period_kind = fields.String(required=True)
    period = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    published_by = fields.String(required=True)
    rows = fields.List(fields.Nested(RateRowSchema), required=True)


def publication_body(publication: Publication) -> dict[str, Any]:
    table, period = publication.table, publication.period
    return {
        **_definition(table.definition),
        "min_cell_size": table.minimum,
        "publication_id": publication.publication_id,
        "edition": publication.edition,
        "period_kind": period.kind,
        "period": period.label,
        "published_at": publication.published_at,
        "published_by": publication.published_by,
        "rows": table.rows,
    }


class PublicationListSchema(BaseSchema):
    items = fields.List(fields.Nested(PublicationSchema), required=True)
