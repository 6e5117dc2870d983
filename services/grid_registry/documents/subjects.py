"""The key subject document (重点对象): personal data stored here, never in its events.

ID numbers, phone numbers and notes are stored encrypted (`shared.crypto`, ADR 13): the
repository writes ``v1:<key id>:<ciphertext>`` and reads plain values of before as they are
until the re-encryption pass replaces them. Names and addresses stay plain (lists are ordered
by name; the location they would hide travels in the events anyway).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.subjects import (
    CATEGORY_VALUES,
    CYCLE_VALUES,
    GENDER_VALUES,
    NOTES_MAX,
    STATUS_VALUES,
)
from shared.crypto import stored_length
from shared.mongo import TenantDocument

ID_NUMBER_LENGTH = 18
PHONE_LENGTH = 21  # PHONE_PATTERN: an optional '+' and up to 20 digits or '-'


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
            # The ID number's HMAC tag (`shared.crypto.FieldHasher`), or "subject:<id>" when there
            # is none: a plain unique index then rejects a duplicate person atomically (FerretDB
            # has no partial index), and an equality query finds a number.
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
    id_number = me.StringField(max_length=stored_length(ID_NUMBER_LENGTH))
    # Before ADR 13: the unsalted SHA-256 of the ID number. Never written; the re-encryption
    # pass removes it (declared so that documents still holding it load).
    id_number_sha256 = me.StringField(max_length=64)
    dedup_key = me.StringField(required=True, max_length=80)
    phone = me.StringField(max_length=stored_length(PHONE_LENGTH))
    notes = me.StringField(max_length=stored_length(NOTES_MAX * 4))  # UTF-8: <= 4 bytes a char
    contact_person = me.StringField(max_length=64)
    contact_phone = me.StringField(max_length=stored_length(PHONE_LENGTH))
    archived_reason = me.StringField(max_length=200)
    archived_at = me.DateTimeField()
    archived_by = me.StringField(max_length=64)
    moves = me.EmbeddedDocumentListField(GridMoveDocument, default=list)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)
