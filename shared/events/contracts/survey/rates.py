"""Satisfaction-rate contracts published by survey on `Topic.SURVEY_RATES`.

`rates.published`: the centre published a tenant's satisfaction rates for one period under one
definition (its canonical `definition_code`, e.g. ``survey:0.7,hotline:0.3;basic:0.5``). One
message per scope (tenant, division, grid, worker), the grid and worker rows in parts of at
most `ROWS_PER_PART` (a message stays far below Kafka's 1 MB): a consumer upserts each row on
(period, definition_code, scope, subject_id) and keeps the highest `edition` (a publication of
the same period and definition again is the next edition and replaces the whole set). Every
row carries its n, satisfied (Decimal as text), rate and 95% interval, or nulls with
``suppressed`` true when the cell is below the tenant's minimum or hidden so that none below it
can be worked out; and each source's figures the same way.

`district_average.published`: the district's average for a period and definition changed; sent
to every member tenant (the envelope's tenant), which is what its scheme scores against. Only
district-level figures: the average, how many tenants it counts, the pooled rate.

Never a household, a respondent, an answer or its text.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

RATES_PUBLISHED = "rates.published"
DISTRICT_AVERAGE_PUBLISHED = "district_average.published"
SCOPES = ("grid", "worker", "division", "tenant")
SOURCES = ("survey", "worker_rating", "event_callback", "hotline")
PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")
ROWS_PER_PART = 250

_ID = validate.Length(min=1, max=64)


def _fraction(**kwargs: Any) -> fields.Decimal:
    """A Decimal from 0 to 1 as text (a rate, a bound, a weight, a credit)."""
    return fields.Decimal(
        required=True,
        as_string=True,
        allow_nan=False,
        validate=validate.Range(min=0, max=1),
        **kwargs,
    )


def _count(**kwargs: Any) -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=0), **kwargs)


class SourceFigureV1(Schema):
    """One source's cell of a row (nulls when suppressed; n 0 when the source has none)."""

    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    weight = _fraction()
    effective_weight = _fraction(allow_none=True)
    n = _count(allow_none=True)
    satisfied = fields.Decimal(
        required=True,
        allow_none=True,
        as_string=True,
        allow_nan=False,
        validate=validate.Range(min=0),
    )
    rate = _fraction(allow_none=True)
    low = _fraction(allow_none=True)
    high = _fraction(allow_none=True)
    suppressed = fields.Boolean(required=True, truthy={True}, falsy={False})


class RateRowV1(Schema):
    """One subject's rate (grid, worker, division or the tenant itself)."""

    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    subject_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, allow_none=True, validate=_ID)
    n = _count(allow_none=True)
    satisfied = fields.Decimal(
        required=True,
        allow_none=True,
        as_string=True,
        allow_nan=False,
        validate=validate.Range(min=0),
    )
    rate = _fraction(allow_none=True)
    low = _fraction(allow_none=True)
    high = _fraction(allow_none=True)
    suppressed = fields.Boolean(required=True, truthy={True}, falsy={False})
    renormalised = fields.Boolean(required=True, truthy={True}, falsy={False})
    sources = fields.List(
        fields.Nested(SourceFigureV1), required=True, validate=validate.Length(min=1, max=4)
    )


class WeightV1(Schema):
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    weight = _fraction()


@register(RATES_PUBLISHED, 1, Topic.SURVEY_RATES)
class RatesPublishedV1(Schema):
    """Part `part` of `parts` of the `scope` rows of a publication (see the module)."""

    publication_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    edition = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=1, max=32))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    definition_code = fields.String(required=True, validate=validate.Length(min=1, max=120))
    weights = fields.List(
        fields.Nested(WeightV1), required=True, validate=validate.Length(min=1, max=4)
    )
    basic_credit = _fraction()
    min_cell_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    part = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    parts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    rows = fields.List(
        fields.Nested(RateRowV1), required=True, validate=validate.Length(max=ROWS_PER_PART)
    )
    published_by = fields.String(required=True, validate=_ID)
    published_at = fields.AwareDateTime(required=True)


@register(DISTRICT_AVERAGE_PUBLISHED, 1, Topic.SURVEY_RATES)
class DistrictAveragePublishedV1(Schema):
    """The district's average for (period, definition) as it now stands: the plain mean of the
    counted tenants' published tenant rates (null when none counts), their number, the
    pooled rate of all their answers and its n. `edition` grows with every change."""

    district_id = fields.String(required=True, validate=_ID)
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=1, max=32))
    definition_code = fields.String(required=True, validate=validate.Length(min=1, max=120))
    average = _fraction(allow_none=True)
    tenants_counted = _count()
    pooled_rate = _fraction(allow_none=True)
    pooled_n = _count()
    edition = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    computed_at = fields.AwareDateTime(required=True)
