"""The grid document and the per-tenant grid-set version document."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.grid_registry.domain.grids import GridStatus, GridType
from shared.mongo import TenantDocument


class BoundaryRevisionDocument(me.EmbeddedDocument):  # type: ignore[misc]  # untyped
    """A former boundary, kept when the boundary changed."""

    # GeoJSON as JSON text: FerretDB cannot store nested arrays (GeoJSON coordinates).
    boundary_json = me.StringField(required=True)
    area_m2 = me.FloatField(required=True, min_value=0)
    # ISO dates (YYYY-MM-DD, Asia/Shanghai days): they compare correctly as strings.
    valid_from = me.StringField(required=True, max_length=10)
    valid_to = me.StringField(required=True, max_length=10)
    changed_by = me.StringField(required=True, max_length=64)
    changed_at = me.DateTimeField(required=True)


class GridDocument(TenantDocument):
    """A grid (网格) of one tenant: boundary, lineage, history and unpublished events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "grids",
        "indexes": [
            {"fields": ("tenant_id", "code"), "unique": True},
            ("tenant_id", "status", "code"),
            ("tenant_id", "division_id", "code"),
            ("tenant_id", "valid_from"),
        ],
    }

    grid_id = me.StringField(primary_key=True)
    division_id = me.StringField(required=True, max_length=64)
    code = me.StringField(required=True, max_length=32)
    name = me.StringField(required=True, max_length=64)
    type = me.EnumField(GridType, required=True)
    status = me.EnumField(GridStatus, required=True)
    boundary_json = me.StringField(required=True)
    # [west, south, east, north] of the current boundary: lets the overlap check fetch only
    # the grids whose box meets a new boundary's box instead of parsing every boundary.
    bbox = me.ListField(me.FloatField(), default=list)
    area_m2 = me.FloatField(required=True, min_value=0)
    valid_from = me.StringField(required=True, max_length=10)
    valid_to = me.StringField(max_length=10)
    boundary_valid_from = me.StringField(required=True, max_length=10)
    boundary_history = me.EmbeddedDocumentListField(BoundaryRevisionDocument, default=list)
    split_from = me.StringField(max_length=64)
    merged_from = me.ListField(me.StringField(max_length=64), default=list)
    replaced_by = me.ListField(me.StringField(max_length=64), default=list)
    retired_reason = me.StringField(max_length=500)
    created_by_operation = me.StringField(max_length=64)
    retired_by_operation = me.StringField(max_length=64)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)


class GridSetVersionDocument(TenantDocument):
    """One per tenant (`_id` = tenant id): a counter bumped on every grid write, so each API
    process can tell by one `_id` read whether its cached grid locator is stale."""

    meta: ClassVar[dict[str, Any]] = {"collection": "grid_set_versions"}
    publishes_events: ClassVar[bool] = False  # a cache counter, not a business fact

    key = me.StringField(primary_key=True)
    # Random per document: a recreated document (or another database) never repeats a
    # (epoch, version) pair a process may still have cached.
    epoch = me.StringField(required=True, max_length=64)
    version = me.IntField(required=True, default=0, min_value=0)
