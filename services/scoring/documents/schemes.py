"""Scheme versions (考核方案): one document per version of a tenant's scheme.

`_id` is ``<tenant>|<scheme_id>|<version>``: creating version n+1 is an insert the unique `_id`
decides, so two people starting a new version at once get one version and a 409. Published
versions are never written again. The scheme is text (as the tenant wrote it, and its canonical
JSON): the engine reads it, the store never queries inside it (no nested arrays stored).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.scoring.domain.schemes import ACTOR_MAX
from shared.mongo import TenantDocument


class SchemeVersionDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "scheme_versions",
        "indexes": [
            ("tenant_id", "scheme_id"),
            ("tenant_id", "status"),
        ],
    }

    key = me.StringField(primary_key=True)
    scheme_id = me.StringField(required=True, max_length=64)
    version = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True, choices=("draft", "published"))
    text = me.StringField(required=True)
    document = me.StringField()
    format = me.StringField(required=True, choices=("yaml", "json"))
    name_zh = me.StringField(max_length=200)
    name_en = me.StringField(max_length=200)
    subject = me.StringField(max_length=200)
    period_kind = me.StringField(max_length=200)
    origin = me.StringField(required=True, max_length=200)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=ACTOR_MAX)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=ACTOR_MAX)
    published_at = me.DateTimeField()
    published_by = me.StringField(max_length=ACTOR_MAX)
