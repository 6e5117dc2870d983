from datetime import UTC, datetime
from decimal import Decimal

from services.scoring.domain.ledger import fact_from_division_created

WHEN = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
PAYLOAD = {
    "division_id": "d-1",
    "code": "A-V01",
    "name": "东风村",
    "kind": "village",
    "created_by": "u-1",
}


def test_a_created_division_counts_once_towards_the_divisions_metric():
    fact = fact_from_division_created(
        event_id="e-1", tenant_id="t-1", occurred_at=WHEN, payload=PAYLOAD
    )

    assert fact.event_id == "e-1"
    assert (fact.subject_kind, fact.subject_id) == ("division", "d-1")
    assert fact.metric == "registry.divisions"
    assert fact.value == Decimal(1)
    assert fact.attributes == {"code": "A-V01", "name": "东风村", "kind": "village"}


def test_the_same_event_gives_the_same_fact():
    first = fact_from_division_created(
        event_id="e-1", tenant_id="t-1", occurred_at=WHEN, payload=PAYLOAD
    )
    again = fact_from_division_created(
        event_id="e-1", tenant_id="t-1", occurred_at=WHEN, payload=dict(PAYLOAD)
    )
    assert first == again
