"""The district average API in process, on the real FerretDB: the overseer reads his district
with each member's tenant rate, a member tenant reads the district figures and its own rate
only, nobody reads another district."""

from __future__ import annotations

import pytest

from services.survey.tests.integration.test_district_handlers import deliver, identity, publish
from services.survey.views.districts import blp

pytestmark = pytest.mark.integration

OVERSEER = {
    "subject": "u-district",
    "tenant_id": None,
    "district_id": "district-xihu",
    "roles": ("district-overseer",),
}
OTHER_OVERSEER = {**OVERSEER, "district_id": "district-east"}
PLATFORM = {"subject": "u-root", "tenant_id": None, "roles": ("platform-admin",)}
CENTRE_A = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
WORKER_A = {"subject": "w-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE_C = {"subject": "u-c", "tenant_id": "tenant-c", "roles": ("tenant-admin",)}
Q4 = "period_kind=quarter&period=2026-Q4"


@pytest.fixture
def api(api_client):
    """Tenants a (0.9 of 10) and b (0.7 of 20) in district-xihu; b's grid g8 has 3 answers,
    so only its tenant row counts (tenant-level figures)."""
    client = api_client([blp])
    deliver(identity("tenant.onboarded", "tenant-a", version=2))
    deliver(identity("tenant.onboarded", "tenant-b", version=2))
    deliver(publish("tenant-a", {"g1": {"1": 9, "0": 1}}))
    deliver(publish("tenant-b", {"g7": {"1": 14, "0": 3}, "g8": {"0": 3}}))
    return client


def test_the_overseer_reads_the_average_and_each_members_tenant_rate(api):
    answered = api.get(f"/district/averages?{Q4}", as_user=OVERSEER)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert (body["district_id"], body["period"]) == ("district-xihu", "2026-Q4")
    (average,) = body["averages"]
    assert (average["definition_code"], average["average"], average["tenants_counted"]) == (
        "survey:1",
        "0.8000",
        2,
    )
    assert (average["pooled_rate"], average["pooled_n"]) == ("0.7667", 30)
    assert [(t["tenant_id"], t["rate"], t["n"], t["counted"]) for t in average["tenants"]] == [
        ("tenant-a", "0.9000", 10, True),
        ("tenant-b", "0.7000", 20, True),
    ]
    # Tenant-level figures only: no grid of any member in the answer.
    assert "g8" not in answered.get_data(as_text=True)
    assert [m["tenant_id"] for m in body["members"]] == ["tenant-a", "tenant-b"]
    named = api.get(f"/district/averages?{Q4}&definition=survey:1", as_user=OVERSEER).get_json()
    assert named["averages"] == body["averages"]
    nothing = api.get(
        f"/district/averages?{Q4}&definition=survey:0.7,hotline:0.3;basic:0.5", as_user=OVERSEER
    ).get_json()["averages"]
    assert [(a["average"], a["tenants_counted"]) for a in nothing] == [(None, 0)]


def test_a_member_tenant_reads_the_district_figures_and_its_own_rate_only(api):
    for user in (CENTRE_A, WORKER_A):
        body = api.get(f"/district/averages?{Q4}", as_user=user).get_json()
        (average,) = body["averages"]
        assert (average["average"], average["tenants_counted"]) == ("0.8000", 2)
        assert [t["tenant_id"] for t in average["tenants"]] == ["tenant-a"]
        assert body["members"] == []
        assert "tenant-b" not in str(body)


def test_nobody_reads_another_district(api):
    assert api.get(f"/district/averages?{Q4}", as_user=OTHER_OVERSEER).get_json()["averages"] == []
    assert (
        api.get(f"/district/averages?{Q4}&district_id=district-xihu", as_user=OTHER_OVERSEER)
    ).status_code == 404
    assert (
        api.get(f"/district/averages?{Q4}&district_id=district-east", as_user=CENTRE_A)
    ).status_code == 404
    assert api.get(f"/district/averages?{Q4}", as_user=CENTRE_C).status_code == 404
    root = api.get(f"/district/averages?{Q4}", as_user=PLATFORM)
    assert [e["field"] for e in root.get_json()["errors"]] == ["district_id"]
    named = api.get(f"/district/averages?{Q4}&district_id=district-xihu", as_user=PLATFORM)
    assert named.get_json()["averages"][0]["tenants_counted"] == 2
    bad = api.get(f"/district/averages?{Q4}&definition=hotline:1", as_user=OVERSEER)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["definition"]
