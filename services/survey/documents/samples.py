"""The sample member document (样本): one per frame entry drawn into a campaign's sample or
kept in its reserve.

`link_hash` (the SHA-256 of the one-time link's token) is a top-level scalar so the resident
page finds its member by one equality read; the token itself is kept only encrypted
(`link_token`, bound to the member), and only while the link may still be handed out. The
respondent code is unique per campaign: it is fixed at the draw for reserve entries too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.sampling import OUTCOME_VALUES, STATUS_VALUES
from shared.crypto import stored_length
from shared.mongo import TenantDocument

ID_MAX = 64
TAG_MAX = 80
CODE_MAX = 48


class SampleMemberDocument(TenantDocument):
    # Members record no events (the campaign's `sample.drawn` counts them; answers are
    # published by their review).
    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_sample_members",
        "indexes": [
            ("tenant_id", "campaign_id"),
            ("tenant_id", "campaign_id", "grid_id"),
            ("tenant_id", "link_hash"),
            {"fields": ("tenant_id", "campaign_id", "code"), "unique": True},
        ],
    }

    member_id = me.StringField(primary_key=True)
    campaign_id = me.StringField(required=True, max_length=ID_MAX)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    division_id = me.StringField(max_length=ID_MAX)
    entry_id = me.StringField(required=True, max_length=ID_MAX)
    household_key = me.StringField(required=True, max_length=TAG_MAX)
    event_id = me.StringField(max_length=ID_MAX)
    code = me.StringField(required=True, max_length=CODE_MAX)
    rank = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True, choices=STATUS_VALUES)
    # Listed members (drawn or activated), for the sample list's equality filter.
    listed = me.BooleanField(required=True)
    outcome = me.StringField(choices=OUTCOME_VALUES)
    replaced_by = me.StringField(max_length=CODE_MAX)
    replaces = me.StringField(max_length=CODE_MAX)
    link_hash = me.StringField(max_length=64)
    link_token = me.StringField(max_length=stored_length(128))
