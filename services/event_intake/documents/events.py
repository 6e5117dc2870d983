"""The event (事项) document: the event's state, its history and its pauses, embedded.

One document per event, so every transition is one revision-checked write with its outbox
entries (FerretDB has no multi-document transactions and its updates are not atomic: the
revision check in `TenantRepository.save` is what makes concurrent transitions safe).

Every list filter is a top-level scalar field (FerretDB hands only top-level equality to its
database; `shared.mongo.pg_reads` counts and orders such lists in PostgreSQL):
``state``, ``category``, ``grid_id``, ``division_id``, ``source``, ``overdue_now``,
``reporter_id``, ``department_id``, ``reported_day``. The overdue scheduler finds due events
by ``watch`` (an equality) and ``due_ms`` (the next unmet deadline, epoch milliseconds).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.documents.workflow import HistoryEntryDocument
from shared.mongo import TenantDocument


class TransitionDocument(HistoryEntryDocument):
    """One entry of the event's history; an escalation's level, a dispatch's department."""

    level = me.StringField(max_length=16)
    department_id = me.StringField(max_length=64)


class PauseDocument(me.EmbeddedDocument):  # type: ignore[misc]
    kind = me.StringField(required=True, max_length=16)
    start = me.DateTimeField(required=True)
    end = me.DateTimeField()


class EventDocument(TenantDocument):
    """An event of one tenant with its unpublished domain events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "events",
        "indexes": [
            ("tenant_id", "state", "-reported_at"),
            # The centre's overdue list by state: one index answers both equalities (a GIN
            # index behind FerretDB; otherwise PostgreSQL rechecks every overdue row).
            ("tenant_id", "state", "overdue_now", "-reported_at"),
            ("tenant_id", "grid_id", "-reported_at"),
            ("tenant_id", "overdue_now", "-reported_at"),
            ("tenant_id", "category", "-reported_at"),
            ("tenant_id", "merged_into"),
            ("tenant_id", "category", "reported_day"),
        ],
        # The centre's lists, newest report first (the repository's `_NEWEST`): behind FerretDB
        # each is one btree index that counts and pages it without reading an event
        # (`shared.mongo.pg_reads.ListIndex`). Every one costs each write: keep them few.
        "list_indexes": [
            ("tenant_id", "-reported_at", "-event_id"),
            ("tenant_id", "state", "-reported_at", "-event_id"),
            ("tenant_id", "state", "overdue_now", "-reported_at", "-event_id"),
            ("tenant_id", "overdue_now", "-reported_at", "-event_id"),
            # A report's duplicate candidates without a position: its grid's latest reports of
            # the category (`EventRepository.duplicate_candidates`).
            ("tenant_id", "category", "grid_id", "-reported_ms"),
        ],
        # ... and with one: the category's reports of the window in the cells around it
        # (about 500 m: a radius up to about 1.5 km reads at most 64 cells, a wider one the
        # whole window of the category).
        "near_indexes": [
            {
                "equal": ("tenant_id", "category"),
                "x": "lon",
                "y": "lat",
                "cell": "0.005",
                "time": "reported_ms",
            }
        ],
        # The overdue scan (across tenants): the next unmet deadline of the watched events.
        "due_indexes": [("watch", "due_ms")],
    }

    event_id = me.StringField(primary_key=True)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(max_length=64)
    reporter_id = me.StringField(required=True, max_length=64)
    reporter_role = me.StringField(required=True, max_length=32)
    source = me.StringField(required=True, max_length=32)
    category = me.StringField(required=True, max_length=64)
    title = me.StringField(required=True, max_length=100)
    description = me.StringField(max_length=2000)
    address = me.StringField(max_length=200)
    lon = me.FloatField()
    lat = me.FloatField()
    level = me.StringField(required=True, max_length=16)
    state = me.StringField(required=True, max_length=32)
    reported_at = me.DateTimeField(required=True)
    # The Asia/Shanghai day of the report, ISO: date-range lists compare it as a string.
    reported_day = me.StringField(required=True, max_length=10)
    # The report instant in epoch milliseconds: duplicate candidates are a time window and a
    # bounding box (`lon`, `lat`) that PostgreSQL answers in one range read.
    reported_ms = me.IntField()
    acceptance_days = me.IntField(required=True, min_value=0)
    acceptance_hours = me.StringField(required=True, max_length=16)  # Decimal as text
    closure_days = me.IntField(required=True, min_value=0)
    closure_hours = me.StringField(required=True, max_length=16)
    acceptance_deadline = me.DateTimeField(required=True)
    closure_deadline = me.DateTimeField()
    accepted_at = me.DateTimeField()
    resolved_at = me.DateTimeField()
    closed_at = me.DateTimeField()
    accepted_on_time = me.BooleanField()
    closed_on_time = me.BooleanField()
    department_id = me.StringField(max_length=64)
    suspended_from = me.StringField(max_length=32)
    pauses = me.EmbeddedDocumentListField(PauseDocument, default=list)
    extra_days = me.IntField(required=True, default=0, min_value=0)
    extra_hours = me.StringField(required=True, default="0", max_length=16)
    extended_until = me.DateTimeField()
    review_outcome = me.StringField(max_length=16)
    unqualified_reason = me.StringField(max_length=32)
    shirked = me.BooleanField(required=True, default=False)
    overdue = me.ListField(me.StringField(max_length=16), default=list)
    overdue_now = me.BooleanField(required=True, default=False)
    history = me.EmbeddedDocumentListField(TransitionDocument, default=list)
    late_report = me.BooleanField(required=True, default=False)
    # Duplicates (重复上报): the earlier event this one was merged into (those merged into an
    # event are found by this equality, so the survivor's document is never written for it).
    merged_into = me.StringField(max_length=64)
    # The overdue scheduler's handle: the next unmet deadline (epoch ms) while one is pending.
    watch = me.BooleanField(required=True, default=False)
    due_ms = me.IntField()


class OverdueMarkDocument(TenantDocument):
    """An overdue fact as the scan records it: insert-only, one per event and deadline (its key
    names both), carrying the `event.overdue` in its outbox. The event's own document takes the
    fact afterwards (`overdue`, `overdue_now`, the next deadline watched); a crash in between
    leaves the mark, and the next scan's insert of the same key is refused while the event is
    brought up to date: the fact is published once whatever happens (FerretDB writes a batch
    of inserts in one command, where each revision-checked update costs about 8 ms)."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "event_overdue_marks",
        "indexes": [("tenant_id", "event_id")],
    }

    key = me.StringField(primary_key=True, max_length=160)  # tenant|event|deadline
    event_id = me.StringField(required=True, max_length=64)
    deadline = me.StringField(required=True, choices=("acceptance", "closure"))
    recorded_at = me.DateTimeField(required=True)
