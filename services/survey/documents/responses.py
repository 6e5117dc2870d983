"""The response document (答卷): one per received set of answers.

Nothing here names a respondent: no code, household reference, phone or link; the household
appears only as a keyed tag of a tag (`household_key`, for duplicates). `review`, `period`,
`source` are top-level equality fields indexed together: the rates read every approved answer
of a period and source by that one equality, taking only grid, division, worker and credit
(`ResponseRepository.rated_answers`). The answers are stored as their JSON text: nothing ever
filters on them, and keys and lists need no mapping onto document fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.responses import (
    CHANNEL_VALUES,
    FLAG_VALUES,
    REASON_MAX,
    REVIEW_VALUES,
)
from shared.mongo import TenantDocument

ID_MAX = 64
TAG_MAX = 80


class ResponseDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_responses",
        "indexes": [
            ("tenant_id", "review", "period", "source"),
            ("tenant_id", "campaign_id"),
            ("tenant_id", "campaign_id", "review"),
            ("tenant_id", "campaign_id", "review", "flagged"),
            ("tenant_id", "period", "source", "household_key"),
        ],
    }

    response_id = me.StringField(primary_key=True)
    campaign_id = me.StringField(required=True, max_length=ID_MAX)
    period_kind = me.StringField(required=True, max_length=16)
    period = me.StringField(required=True, max_length=32)
    source = me.StringField(required=True, max_length=32)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    division_id = me.StringField(max_length=ID_MAX)
    worker_id = me.StringField(max_length=ID_MAX)
    channel = me.StringField(required=True, choices=CHANNEL_VALUES)
    questionnaire_id = me.StringField(required=True, max_length=ID_MAX)
    questionnaire_version = me.IntField(required=True, min_value=1)
    answers = me.StringField(required=True)
    satisfaction_option = me.StringField(max_length=32)
    # A Decimal as its string: exact, and readable by the PostgreSQL bulk read.
    credit = me.StringField(max_length=16)
    duration_seconds = me.IntField(min_value=0)
    flags = me.ListField(me.StringField(choices=FLAG_VALUES), default=list)
    flagged = me.BooleanField(required=True)
    received_on = me.StringField(required=True, max_length=10)
    household_key = me.StringField(max_length=TAG_MAX)
    review = me.StringField(required=True, choices=REVIEW_VALUES)
    review_reason = me.StringField(max_length=REASON_MAX)
    reviewed_by = me.StringField(max_length=ID_MAX)
    reviewed_at = me.DateTimeField()
