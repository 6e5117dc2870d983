"""The campaign document (调查活动): one per campaign, with its sample's counts once drawn.

`state` and `kind` are top-level scalars for the list's equality filters; the period is kept as
its kind, canonical label and dates (ISO strings); quota overrides as a list of small embedded
documents (grid ids are not safe as keys, and no array nests in another).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.campaigns import (
    ID_MAX,
    KIND_VALUES,
    NAME_MAX,
    QUOTA_MAX,
    QUOTA_OVERRIDES_MAX,
    STATE_VALUES,
)
from shared.mongo import TenantDocument
from shared.periods import PERIOD_KINDS


class QuotaOverride(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    quota = me.IntField(required=True, min_value=0, max_value=QUOTA_MAX)


class CampaignDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_campaigns",
        "indexes": [
            ("tenant_id", "state"),
            ("tenant_id", "period"),
            ("tenant_id", "kind"),
        ],
    }

    campaign_id = me.StringField(primary_key=True)
    name = me.StringField(required=True, max_length=NAME_MAX)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    source = me.StringField(required=True, max_length=32)
    period_kind = me.StringField(required=True, choices=PERIOD_KINDS)
    period = me.StringField(required=True, max_length=32)
    period_start = me.StringField(required=True, max_length=10)
    period_end = me.StringField(required=True, max_length=10)
    questionnaire_id = me.StringField(required=True, max_length=ID_MAX)
    questionnaire_version = me.IntField(required=True, min_value=1)
    default_quota = me.IntField(required=True, min_value=1, max_value=QUOTA_MAX)
    quotas = me.EmbeddedDocumentListField(
        QuotaOverride, default=list, max_length=QUOTA_OVERRIDES_MAX
    )
    seed = me.IntField(required=True, min_value=0)
    min_answer_seconds = me.IntField(required=True, min_value=0)
    link_validity_days = me.IntField(required=True, min_value=1)
    state = me.StringField(required=True, choices=STATE_VALUES)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=ID_MAX)
    opened_at = me.DateTimeField()
    closed_at = me.DateTimeField()
    sample_drawn_at = me.DateTimeField()
    sample_drawn = me.IntField(min_value=0)
    sample_reserve = me.IntField(min_value=0)
    sample_grids = me.IntField(min_value=0)
