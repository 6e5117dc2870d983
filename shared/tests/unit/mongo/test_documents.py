from datetime import UTC, datetime
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.events.envelope import Envelope, InvalidMessage
from shared.mongo.documents import (
    PendingEvent,
    TenantDocument,
    index_problems,
    tenant_collection_names,
    tenant_documents,
)


class Widget(TenantDocument):
    code = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "unit_widgets",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}, ("tenant_id", "-id")],
    }


def define(meta: dict[str, Any], **fields: Any) -> type:
    attrs: dict[str, Any] = {"meta": meta, "__module__": __name__, **fields}
    return type("Bad", (TenantDocument,), attrs)


def test_valid_document_is_registered_and_guarded() -> None:
    assert Widget in set(tenant_documents())
    assert "unit_widgets" in tenant_collection_names()
    assert index_problems(Widget) == []
    assert {"tenant_id", "revision", "outbox"} <= set(Widget._fields)


@pytest.mark.parametrize(
    ("meta", "problem"),
    [
        ({"indexes": ["code"]}, "must start with tenant_id"),
        ({"indexes": [("code", "tenant_id")]}, "must start with tenant_id"),
        ({"indexes": [{"fields": ["code"], "unique": True}]}, "must start with tenant_id"),
        ({"indexes": [("tenant_id", "$code")]}, "text/hashed/geo"),
        ({"indexes": [("tenant_id", "#code")]}, "text/hashed/geo"),
        (
            {"indexes": [{"fields": ["tenant_id", "code"], "expireAfterSeconds": 5}]},
            "unsupported option",
        ),
        ({"indexes": [{"fields": ["tenant_id", "code"], "sparse": True}]}, "unsupported option"),
    ],
)
def test_bad_indexes_fail_at_class_creation(meta: dict[str, Any], problem: str) -> None:
    with pytest.raises(TypeError, match=problem):
        define(meta, code=me.StringField())


def test_unique_field_is_refused_because_it_would_span_tenants() -> None:
    with pytest.raises(TypeError, match="unique=True"):
        define({}, code=me.StringField(unique=True))


def test_abstract_intermediate_bases_are_not_checked_or_listed() -> None:
    base = define({"abstract": True, "indexes": []})
    assert base not in set(tenant_documents())


def test_pending_event_becomes_an_outbox_entry_with_canonical_envelope() -> None:
    envelope = Envelope.new(
        type="division.created", version=1, tenant_id="t1", producer="p", payload={"a": 1}
    )
    entry = PendingEvent(
        topic="gridgov.registry.divisions", aggregate_id="d1", envelope=envelope
    ).to_entry()
    assert entry.event_id == envelope.event_id
    assert entry.key == "t1:d1"
    assert entry.topic == "gridgov.registry.divisions"
    assert entry.envelope.encode() == envelope.to_bytes()
    assert entry.created_at.tzinfo is not None


def test_pending_event_record_checks_the_contract_and_takes_its_topic() -> None:

    payload = {
        "division_id": "d-1",
        "code": "A-V01",
        "name": "东风村",
        "kind": "village",
        "created_by": "u-1",
    }
    pending = PendingEvent.record(
        type="division.created",
        version=1,
        tenant_id="t-1",
        aggregate_id="d-1",
        payload=payload,
        producer="grid_registry",
        occurred_at=datetime(2026, 11, 22, tzinfo=UTC),
    )
    assert pending.topic == "gridgov.registry.divisions"
    assert pending.to_entry().key == "t-1:d-1"
    with pytest.raises(InvalidMessage, match="kind"):
        PendingEvent.record(
            type="division.created",
            version=1,
            tenant_id="t-1",
            aggregate_id="d-1",
            payload={**payload, "kind": "castle"},
            producer="grid_registry",
        )
