"""The district average on the real FerretDB, through survey's consumer routes: identity's
tenants into the district read model, each tenant's own `rates.published` (tenant scope) kept,
the average recomputed and given to every active member as `district_average.published`;
every message twice gives the same state, in whichever order tenants and rates arrive."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.survey import consumers
from services.survey.documents.districts import DistrictAverageDocument, TenantRateDocument
from services.survey.documents.rates import RatePublicationDocument
from services.survey.domain.districts import AverageKey
from services.survey.repository.districts import DistrictRepository
from services.survey.tests.integration.views.test_rates import seed_answers
from services.survey.use_cases import rates
from services.survey.use_cases.context import SurveyContext
from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.tenancy.documents import DistrictMemberDocument

pytestmark = pytest.mark.integration

AT = datetime(2027, 1, 5, 2, tzinfo=UTC)
KEY = AverageKey("district-xihu", "quarter", "2026-Q4", "survey:1")


def deliver(*envelopes: Envelope) -> None:
    """What the consumer runner does per message: check the contract, load the payload, and
    call the topic's route."""
    routes = {route.topic: route.handler for route in consumers.ROUTES}
    for envelope in envelopes:
        loaded = dataclasses.replace(envelope, payload=validate_envelope(envelope))
        routes[contract_for(envelope.type, envelope.version).topic](loaded)


def identity(type_: str, tenant: str, *, version: int = 1, at: datetime = AT, **payload: Any):
    example = contract_for(type_, version).load_example()
    return dataclasses.replace(
        example,
        event_id=str(uuid.uuid4()),
        tenant_id=tenant,
        occurred_at=at,
        producer="identity",
        payload={**example.payload, "code": tenant, "district_id": "district-xihu", **payload},
    )


def publish(tenant: str, grids: dict[str, dict[str, int]]) -> Envelope:
    """Seed approved answers, publish the tenant's 2026-Q4 rates, and return the tenant-scope
    `rates.published` its outbox holds (the latest)."""
    for grid, credits in grids.items():
        seed_answers(tenant, grid, credits)
    ctx = SurveyContext(tenant_id=tenant, actor="u-centre", clock=lambda: AT)
    rates.publish_rates(ctx, period_kind="quarter", period="2026-Q4")
    doc = RatePublicationDocument.objects(tenant_id=tenant).get()
    found = [Envelope.parse(entry.envelope) for entry in doc.outbox]
    return [e for e in found if e.payload["scope"] == "tenant"][-1]


def copy_of(tenant: str) -> DistrictAverageDocument | None:
    found: DistrictAverageDocument | None = DistrictAverageDocument.objects(
        tenant_id=tenant
    ).first()
    return found


def messages(tenant: str) -> list[dict[str, Any]]:
    doc = copy_of(tenant)
    if doc is None:
        return []
    return [validate_envelope(Envelope.parse(entry.envelope)) for entry in doc.outbox]


def state() -> list[tuple[Any, ...]]:
    """Everything the read model holds, to compare before and after a redelivery."""
    found: list[tuple[Any, ...]] = []
    for document in (DistrictMemberDocument, TenantRateDocument, DistrictAverageDocument):
        for tenant in ("tenant-a", "tenant-b", "tenant-c"):
            for doc in document.objects(tenant_id=tenant):
                found.append((document.__name__, tenant, doc.pk, doc.revision, len(doc.outbox)))
    return sorted(found)


def test_two_tenants_make_the_district_average_and_every_message_counts_once(fresh_db):
    deliver(identity("tenant.onboarded", "tenant-a", version=2))
    deliver(identity("tenant.onboarded", "tenant-b"))  # v1 names the district too
    a = publish("tenant-a", {"g1": {"1": 9, "0": 1}})  # 0.9, n 10
    deliver(a)
    first = messages("tenant-a")
    assert [(m["average"], m["tenants_counted"], m["edition"]) for m in first] == [
        (Decimal("0.9000"), 1, 1)
    ]
    assert messages("tenant-b") == messages("tenant-a")

    b = publish("tenant-b", {"g7": {"1": 14, "0": 6}})  # 0.7, n 20
    deliver(b)
    latest = messages("tenant-b")[-1]
    assert (latest["average"], latest["tenants_counted"], latest["edition"]) == (
        Decimal("0.8000"),
        2,
        2,
    )
    assert (latest["pooled_rate"], latest["pooled_n"]) == (Decimal("0.7667"), 30)  # 23 / 30
    assert latest["district_id"] == "district-xihu"
    assert messages("tenant-a")[-1] == latest

    before = state()
    deliver(a, b, identity("tenant.onboarded", "tenant-a", version=2))  # all new ids...
    after_new_ids = state()
    # ... the onboarding again (a new message) recomputes to the same figures: no message.
    assert [row[4] for row in after_new_ids] == [row[4] for row in before]
    deliver(a, b)  # the same rates messages again
    assert state() == after_new_ids


def test_a_rate_before_its_tenant_is_known_joins_the_average_when_it_is(fresh_db):
    deliver(identity("tenant.onboarded", "tenant-a", version=2))
    deliver(publish("tenant-a", {"g1": {"1": 8, "0": 2}}))
    early = publish("tenant-c", {"g9": {"1": 10}})
    deliver(early)
    kept = TenantRateDocument.objects(tenant_id="tenant-c").get()
    assert kept.district_id is None
    assert messages("tenant-a")[-1]["tenants_counted"] == 1
    joined = identity("tenant.onboarded", "tenant-c", version=2)
    deliver(joined)
    assert messages("tenant-a")[-1]["average"] == Decimal("0.9000")  # (0.8 + 1.0) / 2
    assert messages("tenant-c")[-1]["tenants_counted"] == 2
    before = state()
    deliver(joined, early)
    assert state() == before


def test_an_offboarded_tenant_keeps_counting_but_gets_no_more_copies(fresh_db):
    deliver(identity("tenant.onboarded", "tenant-a", version=2))
    deliver(identity("tenant.onboarded", "tenant-b", version=2))
    deliver(publish("tenant-b", {"g7": {"1": 10}}))
    left = identity(
        "tenant.offboarded", "tenant-b", at=AT + timedelta(days=1), reason="合并", offboarded_by="u"
    )
    deliver(left)
    assert DistrictMemberDocument.objects(tenant_id="tenant-b").get().status == "offboarded"
    copies_b = len(messages("tenant-b"))
    deliver(publish("tenant-a", {"g1": {"1": 6, "0": 4}}))
    assert len(messages("tenant-b")) == copies_b
    latest = messages("tenant-a")[-1]
    assert (latest["average"], latest["tenants_counted"]) == (Decimal("0.8000"), 2)
    # An older onboarding replayed after the offboarding changes nothing.
    deliver(identity("tenant.onboarded", "tenant-b", version=2, at=AT - timedelta(days=30)))
    assert DistrictMemberDocument.objects(tenant_id="tenant-b").get().status == "offboarded"
    back = identity("tenant.reactivated", "tenant-b", at=AT + timedelta(days=2), reactivated_by="u")
    deliver(back)
    assert DistrictMemberDocument.objects(tenant_id="tenant-b").get().status == "active"


def test_other_scopes_and_older_editions_change_nothing(fresh_db):
    deliver(identity("tenant.onboarded", "tenant-a", version=2))
    first = publish("tenant-a", {"g1": {"1": 5}})
    second = publish("tenant-a", {"g1": {"0": 5}})  # edition 2: 0.5
    deliver(second)
    assert messages("tenant-a")[-1]["average"] == Decimal("0.5000")
    before = state()
    deliver(first)  # edition 1 arriving late
    doc = RatePublicationDocument.objects(tenant_id="tenant-a").get()
    grid_scope = [
        e for e in (Envelope.parse(x.envelope) for x in doc.outbox) if e.payload["scope"] == "grid"
    ]
    deliver(*grid_scope)
    assert state() == before
    copy = DistrictRepository("tenant-a").copies.find(KEY)
    assert copy is not None
    assert copy.inputs == {"tenant-a": 2}
