"""The key subject document (重点对象): personal data stored here, never in its events."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.subjects import (
    CATEGORY_VALUES,
    CYCLE_VALUES,
    GENDER_VALUES,
    STATUS_VALUES,
)
from shared.mongo import TenantDocument


class GridMoveDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    from_grid_id = me.StringField(required=True, max_length=64)
    to_grid_id = me.StringField(required=True, max_length=64)
    moved_at = me.DateTimeField(required=True)
    moved_by = me.StringField(required=True, max_length=64)


class SubjectDocument(TenantDocument):
    """A key person, special-group member, care recipient or hazard place of one grid."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "subjects",
        "indexes": [
            # The SHA-256 of the ID number, or "subject:<id>" when there is none: a plain unique
            # index then rejects a duplicate person atomically (FerretDB has no partial index).
            {"fields": ("tenant_id", "dedup_key"), "unique": True},
            ("tenant_id", "grid_id", "category"),
            ("tenant_id", "category", "status"),
        ],
    }

    subject_id = me.StringField(primary_key=True)
    category = me.StringField(required=True, choices=CATEGORY_VALUES)
    sub_category = me.StringField(max_length=32)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(required=True, max_length=64)
    visit_cycle = me.StringField(required=True, choices=CYCLE_VALUES)
    status = me.StringField(required=True, choices=STATUS_VALUES)
    name = me.StringField(required=True, max_length=64)
    address = me.StringField(max_length=200)
    lon = me.FloatField()
    lat = me.FloatField()
    gender = me.StringField(choices=GENDER_VALUES)
    id_number = me.StringField(max_length=18)
    id_number_sha256 = me.StringField(max_length=64)
    dedup_key = me.StringField(required=True, max_length=80)
    phone = me.StringField(max_length=20)
    notes = me.StringField(max_length=2000)
    contact_person = me.StringField(max_length=64)
    contact_phone = me.StringField(max_length=20)
    archived_reason = me.StringField(max_length=200)
    archived_at = me.DateTimeField()
    archived_by = me.StringField(max_length=64)
    moves = me.EmbeddedDocumentListField(GridMoveDocument, default=list)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)
