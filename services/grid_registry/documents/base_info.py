"""Base-information documents: one snapshot per grid, sub-category and statistics date, and
the sub-categories a tenant added."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.base_info import Category
from shared.mongo import TenantDocument

# ISO dates as strings: they sort and compare like the dates they are ("latest on or before").
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class BaseInfoSnapshotDocument(TenantDocument):
    """The figures of one grid and sub-category on one date, with their unpublished events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "base_info_snapshots",
        "indexes": [
            {
                "fields": ("tenant_id", "grid_id", "category", "sub_category", "as_of"),
                "unique": True,
            },
            ("tenant_id", "as_of"),
            ("tenant_id", "division_id", "as_of"),
        ],
    }

    snapshot_id = me.StringField(primary_key=True)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(required=True, max_length=64)
    category = me.EnumField(Category, required=True)
    sub_category = me.StringField(required=True, max_length=32)
    as_of = me.StringField(required=True, regex=ISO_DATE)
    expected = me.IntField(required=True, min_value=0)
    collected = me.IntField(required=True, min_value=0)
    verified = me.IntField(required=True, min_value=0)
    recorded_at = me.DateTimeField(required=True)
    recorded_by = me.StringField(required=True, max_length=64)


class BaseInfoSubCategoryDocument(TenantDocument):
    """A sub-category the tenant added under one of the categories."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "base_info_sub_categories",
        "indexes": [{"fields": ("tenant_id", "category", "code"), "unique": True}],
    }

    category = me.EnumField(Category, required=True)
    code = me.StringField(required=True, max_length=32)
    label = me.StringField(required=True, max_length=32)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
