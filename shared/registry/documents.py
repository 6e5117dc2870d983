"""A service's read model of grid_registry's events: grids, team memberships, key subjects,
and a per-tenant stamp that tells each process when its cached grid locator is stale.

The collections (`registry_grids`, `registry_memberships`, `registry_subjects`,
`registry_stamps`) live in the database of each service that keeps the model. Learned from the
registry, never published (`publishes_events = False`: the relay skips them). A service's
worker keeps their indexes when its bootstrap passes `DOCUMENTS` to
`shared.runtime.run_service_worker`: they are not defined under ``services/<service>/``, where
`shared.runtime.service_documents` looks.

Dates are ISO strings (YYYY-MM-DD, Asia/Shanghai days) and GeoJSON is JSON text: FerretDB cannot
store nested arrays. Each entry keeps the newest event applied to it (`applied_at`, ISO UTC with
microseconds so the strings order like the instants, and `applied_event_ids` at that instant).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class RegistryBoundaryDocument(me.EmbeddedDocument):  # type: ignore[misc]  # untyped
    """A boundary the grid had before a change, valid from `valid_from` to `valid_to`."""

    boundary_json = me.StringField(required=True)
    valid_from = me.StringField(required=True, max_length=10)
    valid_to = me.StringField(required=True, max_length=10)


class RegistryGridDocument(TenantDocument):
    """One grid (网格) of the tenant as its latest `grid.*` event left it."""

    publishes_events: ClassVar[bool] = False  # learned from grid_registry, never published
    meta: ClassVar[dict[str, Any]] = {
        "collection": "registry_grids",
        "indexes": [("tenant_id", "division_id")],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<grid id>": grid ids are the registry's
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(required=True, max_length=64)
    code = me.StringField(required=True, max_length=64)
    name = me.StringField(required=True, max_length=200)
    type = me.StringField(required=True, max_length=32)
    status = me.StringField(required=True, max_length=16)
    valid_from = me.StringField(required=True, max_length=10)
    valid_to = me.StringField(max_length=10)
    boundary_json = me.StringField(required=True)
    boundary_valid_from = me.StringField(required=True, max_length=10)
    boundary_history = me.EmbeddedDocumentListField(RegistryBoundaryDocument, default=list)
    applied_at = me.StringField(required=True, max_length=40)
    applied_event_ids = me.ListField(me.StringField(max_length=64), default=list)


class RegistryMembershipDocument(TenantDocument):
    """One membership of a grid's team (网格队伍) as its latest `team.*` event left it.

    One document per membership rather than one per team with a list inside: "the grids of
    user X" is then an equality on the top-level scalar `user_id`, which FerretDB hands to
    PostgreSQL and its GIN index; an array field would be matched in Go, row by row.
    """

    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "registry_memberships",
        "indexes": [("tenant_id", "user_id"), ("tenant_id", "grid_id")],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<membership id>"
    membership_id = me.StringField(required=True, max_length=64)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(required=True, max_length=64)
    user_id = me.StringField(max_length=64)  # absent for members without a login
    role = me.StringField(required=True, max_length=32)
    starts_on = me.StringField(required=True, max_length=10)
    ends_on = me.StringField(max_length=10)
    applied_at = me.StringField(required=True, max_length=40)
    applied_event_ids = me.ListField(me.StringField(max_length=64), default=list)


class RegistryStampDocument(TenantDocument):
    """One per tenant (`_id` = tenant id): a random token replaced on every grid change, so a
    process tells by one `_id` read whether its cached locator is stale. A token, not a
    counter: FerretDB's `$inc` is not atomic, and two consumers of different partitions that
    both bumped 5 to 6 would leave a locator built between them looking current.

    `changes` is a second token, replaced on every change to the tenant's grids, teams or key
    subjects: a job that re-checks what it derived from them (patrol's cut-off) skips a tenant
    whose `changes` is the one it checked against (teams and subjects do not move `token`,
    so a membership does not throw away the process's grid locators)."""

    publishes_events: ClassVar[bool] = False  # a cache stamp, not a business fact
    meta: ClassVar[dict[str, Any]] = {"collection": "registry_stamps"}

    key = me.StringField(primary_key=True)
    token = me.StringField(required=True, max_length=64)
    changes = me.StringField(max_length=64)  # absent in stamps written before it existed


class RegistrySubjectDocument(TenantDocument):
    """One key subject (重点人员/场所) as its latest `subject.*` event left it: where it
    belongs, its visit cycle and position. No name, ID number or address (the events carry
    none). `grid_id` and `status` are top-level scalars: "the active subjects of grid G" is an
    equality the database answers."""

    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "registry_subjects",
        "indexes": [("tenant_id", "grid_id")],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<subject id>"
    subject_id = me.StringField(required=True, max_length=64)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(required=True, max_length=64)
    category = me.StringField(required=True, max_length=32)
    visit_cycle = me.StringField(required=True, max_length=16)
    status = me.StringField(required=True, max_length=16)
    lon = me.FloatField()  # absent when the registry has no position
    lat = me.FloatField()
    applied_at = me.StringField(required=True, max_length=40)
    applied_event_ids = me.ListField(me.StringField(max_length=64), default=list)


# What a service that keeps the read model hands its worker, so their indexes are kept.
DOCUMENTS: tuple[type[TenantDocument], ...] = (
    RegistryGridDocument,
    RegistryMembershipDocument,
    RegistrySubjectDocument,
    RegistryStampDocument,
)
