"""Filed management system documents: the tenant's checklist items and the filings."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ACTIVE_SLOT = "active"
"""`FilingDocument.slot` of the one active filing per division and item (see there)."""


class FilingItemDocument(TenantDocument):
    """One checklist item of the tenant (e.g. ``management_rules`` 网格工作管理制度)."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "filing_items",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}],
    }

    code = me.StringField(required=True, max_length=32)
    title = me.StringField(required=True, max_length=64)
    due_on = me.StringField(required=True, regex=ISO_DATE)
    required = me.BooleanField(required=True, default=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    retired_on = me.StringField(regex=ISO_DATE)


class EvidenceDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    document_title = me.StringField(required=True, max_length=200)
    document_number = me.StringField(max_length=64)
    reference = me.StringField(required=True, max_length=500)


class WithdrawalDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    withdrawn_on = me.StringField(required=True, regex=ISO_DATE)
    reason = me.StringField(required=True, max_length=500)
    withdrawn_by = me.StringField(required=True, max_length=64)
    withdrawn_at = me.DateTimeField(required=True)


class FilingDocument(TenantDocument):
    """One filing by a division, with its unpublished events.

    ``slot`` is ``"active"`` while the filing counts and the filing's own id once withdrawn,
    so the unique index allows one active filing per division and item (no partial indexes on
    FerretDB) and any number of withdrawn ones.
    """

    meta: ClassVar[dict[str, Any]] = {
        "collection": "filings",
        "indexes": [
            {"fields": ("tenant_id", "division_id", "item_code", "slot"), "unique": True},
            ("tenant_id", "item_code"),
        ],
    }

    filing_id = me.StringField(primary_key=True)
    division_id = me.StringField(required=True, max_length=64)
    item_code = me.StringField(required=True, max_length=32)
    slot = me.StringField(required=True, max_length=64)
    filed_on = me.StringField(required=True, regex=ISO_DATE)
    evidence = me.EmbeddedDocumentField(EvidenceDocument, required=True)
    filed_by = me.StringField(required=True, max_length=64)
    recorded_at = me.DateTimeField(required=True)
    withdrawal = me.EmbeddedDocumentField(WithdrawalDocument)
