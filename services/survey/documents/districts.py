"""The district read model: the tenant-level rate each tenant published per period and
definition, and its copy of the district average (each tenant's district, from identity, is the
platform's `shared.tenancy.documents.DistrictMemberDocument`).

Both are the tenant's own documents. The district average is worked out across tenants
by equality on `district_id` (and the period and definition), the one read in survey that
crosses tenants (`repository.districts.DistrictDirectory`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.rates import SOURCE_VALUES
from shared.mongo import TenantDocument

_ID = 64
_DECIMAL = 40
_CODE = 120
_KEY = 400


class SourceTallyEntry(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    source = me.StringField(required=True, choices=SOURCE_VALUES)
    n = me.IntField(min_value=0)
    satisfied = me.StringField(max_length=_DECIMAL)


class TenantRateDocument(TenantDocument):
    """The tenant's published tenant-scope row for one period and definition (the latest
    edition), with the district it was a member of when it was kept."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_district_inputs",
        "indexes": [
            ("tenant_id", "district_id", "period_kind", "period", "definition_code"),
            ("tenant_id", "district_id", "period_kind", "period"),
        ],
    }

    doc_id = me.StringField(primary_key=True)  # <tenant>|<kind>|<period>|<definition code>
    district_id = me.StringField(max_length=_ID)
    period_kind = me.StringField(required=True, max_length=16)
    period = me.StringField(required=True, max_length=32)
    definition_code = me.StringField(required=True, max_length=_CODE)
    edition = me.IntField(required=True, min_value=1)
    rate = me.StringField(max_length=_DECIMAL)
    n = me.IntField(min_value=0)
    suppressed = me.BooleanField(required=True)
    sources = me.EmbeddedDocumentListField(SourceTallyEntry, max_length=len(SOURCE_VALUES))


class InputEntry(me.EmbeddedDocument):  # type: ignore[misc]
    tenant = me.StringField(required=True, max_length=_ID)
    edition = me.IntField(required=True, min_value=1)


class DistrictAverageDocument(TenantDocument):
    """The tenant's copy of its district's average for one period and definition."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_district_averages",
        "indexes": [("tenant_id", "district_id", "period_kind", "period")],
    }

    doc_id = me.StringField(primary_key=True, max_length=_KEY)
    district_id = me.StringField(required=True, max_length=_ID)
    period_kind = me.StringField(required=True, max_length=16)
    period = me.StringField(required=True, max_length=32)
    definition_code = me.StringField(required=True, max_length=_CODE)
    average = me.StringField(max_length=_DECIMAL)
    tenants_counted = me.IntField(required=True, min_value=0)
    pooled_rate = me.StringField(max_length=_DECIMAL)
    pooled_n = me.IntField(required=True, min_value=0)
    inputs = me.EmbeddedDocumentListField(InputEntry, default=list)
    edition = me.IntField(required=True, min_value=1)
    computed_at = me.DateTimeField(required=True)
