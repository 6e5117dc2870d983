"""Rate documents: the tenant's rate settings (one per tenant) and its publications (one per
period and definition, the latest edition).

A publication's rows are two flat lists of embedded documents: one entry per row, one per
row and source (naming the row), never a list inside a list. Decimals are stored as text.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.rates import SCOPE_VALUES, SOURCE_VALUES
from shared.mongo import TenantDocument

_DECIMAL = 40  # a Decimal as text: a count of credits or a rate


class WeightEntry(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    source = me.StringField(required=True, choices=SOURCE_VALUES)
    weight = me.StringField(required=True, max_length=_DECIMAL)


class RateSettingsDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "survey_rate_settings", "indexes": []}

    settings_id = me.StringField(primary_key=True)  # the tenant id: one per tenant
    weights = me.EmbeddedDocumentListField(WeightEntry, max_length=len(SOURCE_VALUES))
    basic_credit = me.StringField(required=True, max_length=_DECIMAL)
    min_cell_size = me.IntField(required=True, min_value=1)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)


class RowEntry(me.EmbeddedDocument):  # type: ignore[misc]
    scope = me.StringField(required=True, choices=SCOPE_VALUES)
    subject_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(max_length=64)
    n = me.IntField(min_value=0)
    satisfied = me.StringField(max_length=_DECIMAL)
    rate = me.StringField(max_length=_DECIMAL)
    low = me.StringField(max_length=_DECIMAL)
    high = me.StringField(max_length=_DECIMAL)
    suppressed = me.BooleanField(required=True)
    renormalised = me.BooleanField(required=True)


class SourceEntry(me.EmbeddedDocument):  # type: ignore[misc]
    """One source's cell of the row (scope, subject_id)."""

    scope = me.StringField(required=True, choices=SCOPE_VALUES)
    subject_id = me.StringField(required=True, max_length=64)
    source = me.StringField(required=True, choices=SOURCE_VALUES)
    weight = me.StringField(required=True, max_length=_DECIMAL)
    effective_weight = me.StringField(max_length=_DECIMAL)
    n = me.IntField(min_value=0)
    satisfied = me.StringField(max_length=_DECIMAL)
    rate = me.StringField(max_length=_DECIMAL)
    low = me.StringField(max_length=_DECIMAL)
    high = me.StringField(max_length=_DECIMAL)
    suppressed = me.BooleanField(required=True)


class RatePublicationDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_rate_publications",
        "indexes": [("tenant_id", "period_kind", "period")],
    }

    doc_id = me.StringField(primary_key=True)  # <tenant>|<kind>|<period>|<definition code>
    publication_id = me.StringField(required=True, max_length=200)
    period_kind = me.StringField(required=True, max_length=16)
    period = me.StringField(required=True, max_length=32)
    first_day = me.StringField(required=True, max_length=10)  # ISO day
    last_day = me.StringField(required=True, max_length=10)
    definition_code = me.StringField(required=True, max_length=120)
    weights = me.EmbeddedDocumentListField(WeightEntry, max_length=len(SOURCE_VALUES))
    basic_credit = me.StringField(required=True, max_length=_DECIMAL)
    min_cell_size = me.IntField(required=True, min_value=1)
    edition = me.IntField(required=True, min_value=1)
    published_at = me.DateTimeField(required=True)
    published_by = me.StringField(required=True, max_length=64)
    rows = me.EmbeddedDocumentListField(RowEntry, default=list)
    source_rows = me.EmbeddedDocumentListField(SourceEntry, default=list)
