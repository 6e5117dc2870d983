"""The tenant's intake settings: one document per tenant (`_id` = tenant id)."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class SpanDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    days = me.IntField(required=True, min_value=0)
    hours = me.StringField(required=True, max_length=16)  # Decimal as text


class CategoryDocument(me.EmbeddedDocument):  # type: ignore[misc]
    code = me.StringField(required=True, max_length=64)
    name = me.StringField(required=True, max_length=64)
    acceptance = me.EmbeddedDocumentField(SpanDocument, required=True)
    closure = me.EmbeddedDocumentField(SpanDocument, required=True)


class IntakeSettingsDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "intake_settings", "indexes": []}

    settings_id = me.StringField(primary_key=True)  # the tenant id: one per tenant
    categories = me.EmbeddedDocumentListField(CategoryDocument, default=list)
    extra_holidays = me.ListField(me.StringField(max_length=10), default=list)
    extra_workdays = me.ListField(me.StringField(max_length=10), default=list)
    work_starts = me.StringField(required=True, max_length=5)
    work_ends = me.StringField(required=True, max_length=5)
    duplicate_radius_m = me.IntField(required=True, min_value=1)
    duplicate_window_hours = me.IntField(required=True, min_value=1)
