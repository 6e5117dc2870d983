"""Outbox entry -> audit record -> stored row: who, tenant, what, before/after, request, time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.audit import AuditRecord, AuditRecordDocument, linked_ids
from shared.audit.records import day_of
from shared.audit.repository import to_row
from shared.events.envelope import Envelope, InvalidMessage
from shared.mongo import PendingEvent

OCCURRED = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
RECORDED = OCCURRED + timedelta(seconds=2)


def entry(payload: dict[str, Any], *, actor: str | None = "admin-7") -> dict[str, Any]:
    envelope = Envelope.new(
        type="grid.split",
        version=1,
        tenant_id="t-1",
        producer="grid_registry",
        payload=payload,
        correlation_id="req-9",
        occurred_at=OCCURRED,
    )
    pending = PendingEvent("gridgov.registry.grids", "g-old", envelope, actor=actor)
    stored: dict[str, Any] = pending.to_entry().to_mongo().to_dict()
    return stored


def test_an_entry_becomes_the_record_of_who_changed_what_under_which_request() -> None:
    raw = entry({"grid_id": "g-old", "replaced_by": ["g-1", "g-2"], "split_from": None})

    record = AuditRecord.of_entry(raw, tenant_id="t-1", recorded_at=RECORDED)

    assert record == AuditRecord(
        event_id=raw["event_id"],
        tenant_id="t-1",
        type="grid.split",
        version=1,
        aggregate_id="g-old",
        actor="admin-7",
        correlation_id="req-9",
        producer="grid_registry",
        occurred_at=OCCURRED,
        recorded_at=RECORDED,
        before_ids=(),
        after_ids=("g-1", "g-2"),
    )
    assert record.day == "2026-11-27"


def test_an_entry_recorded_without_an_actor_has_none() -> None:
    record = AuditRecord.of_entry(entry({}, actor=None), tenant_id="t-1", recorded_at=RECORDED)
    assert record.actor is None


def test_a_broken_envelope_is_refused() -> None:
    raw = {**entry({}), "envelope": "{not json"}
    with pytest.raises(InvalidMessage):
        AuditRecord.of_entry(raw, tenant_id="t-1", recorded_at=RECORDED)


@pytest.mark.parametrize(
    ("payload", "before", "after"),
    [
        ({"split_from": "g-old", "merged_from": [], "replaced_by": []}, ["g-old"], []),
        (
            {"split_from": None, "merged_from": ["g-1", "g-2"], "replaced_by": []},
            ["g-1", "g-2"],
            [],
        ),
        ({"split_from": None, "merged_from": [], "replaced_by": ["g-3"]}, [], ["g-3"]),
        ({"grid_id": "g-new", "previous_grid_id": "g-old"}, ["g-old"], ["g-new"]),
        ({"previous_grid_id": "g-old"}, [], []),  # no current value: not a move
        ({"division_id": "d-1", "code": "A-V01"}, [], []),
    ],
)
def test_before_and_after_ids_are_the_ones_the_payload_names(
    payload: dict[str, Any], before: list[str], after: list[str]
) -> None:
    assert linked_ids(payload) == (before, after)


def test_the_day_bucket_is_the_utc_day() -> None:
    east8 = timezone(timedelta(hours=8))
    assert day_of(datetime(2026, 11, 28, 7, 30, tzinfo=east8)) == "2026-11-27"
    with pytest.raises(ValueError, match="timezone-aware"):
        day_of(datetime(2026, 11, 28, 7, 30))  # noqa: DTZ001 - the point of the test


def test_the_stored_row_is_a_valid_audit_document_and_reads_back() -> None:
    record = AuditRecord.of_entry(
        entry({"replaced_by": ["g-1"]}), tenant_id="t-1", recorded_at=RECORDED
    )
    row = to_row(record)
    assert set(row) == {"_id", "day", "revision", "outbox", "outbox_pending"} | {
        name for name in AuditRecordDocument._fields if name not in {"event_id", "id"}
    }

    doc = AuditRecordDocument._from_son(row)
    doc.validate()

    assert (doc.pk, doc.tenant_id, doc.day) == (record.event_id, "t-1", "2026-11-27")
    assert (doc.actor, doc.correlation_id, doc.after_ids) == ("admin-7", "req-9", ["g-1"])
