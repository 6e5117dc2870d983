"""The grid team document: one per grid, every membership ever held embedded in it."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.teams import MODEL_VALUES, ROLE_VALUES
from shared.mongo import TenantDocument


class MembershipDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    """One membership; kept after it ends (history is what the assessment asks about)."""

    membership_id = me.StringField(required=True, max_length=64)
    role = me.StringField(required=True, choices=ROLE_VALUES)
    user_id = me.StringField(max_length=64)
    person_name = me.StringField(required=True, max_length=64)
    phone = me.StringField(max_length=20)
    # ISO dates (YYYY-MM-DD, Asia/Shanghai days): they compare correctly as strings.
    starts_on = me.StringField(required=True, max_length=10)
    ends_on = me.StringField(max_length=10)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)


class GridTeamDocument(TenantDocument):
    """A grid's team (`_id` = grid id) so every change is one atomic, revision-checked write."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "grid_teams",
        "indexes": [
            ("tenant_id", "division_id"),
            ("tenant_id", "member_user_ids"),
        ],
    }

    grid_id = me.StringField(primary_key=True)
    division_id = me.StringField(required=True, max_length=64)
    model = me.StringField(required=True, choices=MODEL_VALUES)
    memberships = me.EmbeddedDocumentListField(MembershipDocument, default=list)
    # Plain strings beside the embedded list: "which teams is user U on" is then an equality
    # match on an array of strings, which FerretDB indexes and answers without dotted paths.
    member_user_ids = me.ListField(me.StringField(max_length=64), default=list)
