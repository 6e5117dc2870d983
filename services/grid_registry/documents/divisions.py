"""The division document."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.divisions import DivisionKind
from shared.mongo import TenantDocument


class DivisionDocument(TenantDocument):
    """A village (村) or community (社区) of one tenant, with its unpublished events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "divisions",
        "indexes": [
            {"fields": ("tenant_id", "code"), "unique": True},
            ("tenant_id", "-created_at"),
        ],
    }

    division_id = me.StringField(primary_key=True)
    code = me.StringField(required=True, max_length=32)
    name = me.StringField(required=True, max_length=64)
    kind = me.EnumField(DivisionKind, required=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
