"""Bulletins (排名通报): one document per published bulletin.

``<tenant>|<scheme>|<period>|<edition>``: the insert of its `_id` publishes it, once, with its
`bulletin.published` event in the same write (the outbox); publishing the same period and
edition again finds it. The bulletin's content (standings, lists, notices) is compressed
canonical JSON, read whole, never queried inside.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class BulletinDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "bulletins",
        "indexes": [("tenant_id", "scheme_id")],
    }

    key = me.StringField(primary_key=True)
    scheme_id = me.StringField(required=True, max_length=64)
    period = me.StringField(required=True, max_length=32)
    first_day = me.StringField(required=True, max_length=10)
    edition = me.IntField(required=True, min_value=1)
    scheme_version = me.IntField(required=True, min_value=1)
    list_by = me.StringField(required=True, choices=("rank", "grade"))
    size = me.IntField(required=True, min_value=1)
    subjects = me.IntField(required=True, min_value=0)
    published_at = me.DateTimeField(required=True)
    published_by = me.StringField(required=True, max_length=64)
    content = me.BinaryField(required=True)
