"""The frame entry document (抽样框): one per household (or closed event) of a campaign.

Personal data is stored only as ciphertext bound to the entry (`phone`, `address`: AES-GCM,
`shared.crypto`) and keyed tags (`household_key`, `fingerprint`); `event_id` is an intake id,
not personal. Unique on (campaign, household tag): importing the same household twice can
never make two entries, whatever two imports race.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.frames import ADDRESS_MAX
from shared.crypto import stored_length
from shared.mongo import TenantDocument

ID_MAX = 64
TAG_MAX = 80


class FrameEntryDocument(TenantDocument):
    # Entries record no events: the campaign's `sample.drawn` counts them.
    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_frame_entries",
        "indexes": [
            ("tenant_id", "campaign_id"),
            {"fields": ("tenant_id", "campaign_id", "household_key"), "unique": True},
        ],
    }

    entry_id = me.StringField(primary_key=True)
    campaign_id = me.StringField(required=True, max_length=ID_MAX)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    division_id = me.StringField(max_length=ID_MAX)
    household_key = me.StringField(required=True, max_length=TAG_MAX)
    fingerprint = me.StringField(required=True, max_length=TAG_MAX)
    phone = me.StringField(max_length=stored_length(64))
    address = me.StringField(max_length=stored_length(ADDRESS_MAX * 4))
    event_id = me.StringField(max_length=ID_MAX)
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
