"""The department document."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class DepartmentDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "departments",
        "indexes": [
            {"fields": ("tenant_id", "code"), "unique": True},
            ("tenant_id", "member_ids"),
        ],
    }

    department_id = me.StringField(primary_key=True)
    code = me.StringField(required=True, max_length=32)
    name = me.StringField(required=True, max_length=64)
    member_ids = me.ListField(me.StringField(max_length=64), default=list)
    active = me.BooleanField(required=True, default=True)
