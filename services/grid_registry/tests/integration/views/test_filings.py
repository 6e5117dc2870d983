"""The filed-systems API in process, on the real FerretDB: checklist, filing, withdrawal,
re-filing, status as of a date, tenant walls, the outbox."""

from __future__ import annotations

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.filings import FilingDocument
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}


def evidence(title="网格工作管理制度", reference="file-1"):
    return {"document_title": title, "document_number": "东风〔2026〕1号", "reference": reference}


@pytest.fixture
def setup(api_client):
    api = api_client(BLUEPRINTS)
    ids = []
    for code in ("A", "B"):
        response = api.post("/divisions", json={"code": code, "name": code, "kind": "village"})
        ids.append(response.get_json()["division_id"])
    for code in ("management_rules", "assessment_rules"):
        created = api.post("/filing-items", json={"code": code, "due_on": "2026-01-31"})
        assert created.status_code == 201, created.get_json()
    return api, ids


def test_default_items_get_their_titles_and_custom_ones_need_one(setup):
    api, _ = setup
    items = api.get("/filing-items").get_json()["items"]
    assert [(i["code"], i["title"]) for i in items] == [
        ("assessment_rules", "网格员考核办法"),
        ("management_rules", "网格工作管理制度"),
    ]
    no_title = api.post("/filing-items", json={"code": "safety", "due_on": "2026-01-31"})
    assert [e["field"] for e in no_title.get_json()["errors"]] == ["title"]
    duplicate = api.post("/filing-items", json={"code": "management_rules", "due_on": "2026-02-01"})
    assert duplicate.status_code == 422


def test_file_withdraw_and_refile_with_status_as_of_each_day(setup):
    api, (division, _) = setup
    url = f"/divisions/{division}/filings"

    filed = api.post(
        url,
        json={"item_code": "management_rules", "filed_on": "2026-01-20", "evidence": evidence()},
    )
    twice = api.post(
        url,
        json={"item_code": "management_rules", "filed_on": "2026-01-21", "evidence": evidence()},
    )
    filing_id = filed.get_json()["filing_id"]
    withdrawn = api.post(f"/filings/{filing_id}/withdraw", json={"reason": "版本错误"})
    withdrawn_again = api.post(f"/filings/{filing_id}/withdraw", json={"reason": "again"})
    refiled = api.post(
        url,
        json={
            "item_code": "management_rules",
            "filed_on": "2026-02-03",
            "evidence": evidence(reference="file-2"),
        },
    )

    assert filed.status_code == 201, filed.get_json()
    assert twice.status_code == 409
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["withdrawal"]["reason"] == "版本错误"
    assert withdrawn_again.status_code == 409
    assert refiled.status_code == 201
    checklist = api.get(f"{url}?as_of=2026-02-10").get_json()
    lines = {line["item_code"]: line for line in checklist["items"]}
    assert lines["management_rules"]["status"] == "filed_late"
    assert [f["active"] for f in lines["management_rules"]["history"]] == [True, False]
    assert lines["assessment_rules"]["status"] == "missing"
    before = api.get(f"{url}?as_of=2026-01-25").get_json()["items"]
    # The first filing was withdrawn today, so on 2026-01-25 it still counted.
    assert {line["item_code"]: line["status"] for line in before}["management_rules"] == "filed"

    docs = FilingDocument.objects(tenant_id="tenant-a", pk=filing_id).get()
    types = [Envelope.parse(entry.envelope).type for entry in docs.outbox]
    assert types == ["filing.recorded", "filing.withdrawn"]
    payload = Envelope.parse(docs.outbox[0].envelope).payload
    assert payload == {
        "filing_id": filing_id,
        "division_id": division,
        "item_code": "management_rules",
        "filed_on": "2026-01-20",
        "due_on": "2026-01-31",
        "status": "filed",
        "actor": "admin-a",
    }


def test_the_centre_sees_every_division_and_item(setup):
    api, (first, second) = setup
    api.post(
        f"/divisions/{first}/filings",
        json={"item_code": "assessment_rules", "filed_on": "2026-01-05", "evidence": evidence()},
    )

    status = api.get("/filings/status?as_of=2026-03-01").get_json()

    assert status["total"] == 2
    rows = {row["division_id"]: row for row in status["items"]}
    assert (rows[first]["filed"], rows[first]["missing"]) == (1, 1)
    assert (rows[second]["filed"], rows[second]["missing"]) == (0, 2)
    cells = {cell["item_code"]: cell for cell in rows[first]["items"]}
    assert cells["assessment_rules"]["filed_on"] == "2026-01-05"


def test_bad_filings_name_the_field(setup):
    api, (division, _) = setup
    url = f"/divisions/{division}/filings"
    unknown = api.post(
        url, json={"item_code": "nope", "filed_on": "2026-01-05", "evidence": evidence()}
    )
    no_reference = api.post(
        url,
        json={
            "item_code": "assessment_rules",
            "filed_on": "2026-01-05",
            "evidence": {"document_title": "x"},
        },
    )
    assert [e["field"] for e in unknown.get_json()["errors"]] == ["item_code"]
    assert no_reference.status_code == 422
    assert "reference" in no_reference.get_json()["errors"][0]["field"]


def test_a_retired_item_leaves_the_checklist(setup):
    api, (division, _) = setup
    assert api.post("/filing-items/assessment_rules/retire").status_code == 200
    assert api.post("/filing-items/assessment_rules/retire").status_code == 409
    codes = [
        line["item_code"]
        for line in api.get(f"/divisions/{division}/filings?as_of=2999-01-01").get_json()["items"]
    ]
    assert codes == ["management_rules"]
    filed = api.post(
        f"/divisions/{division}/filings",
        json={"item_code": "assessment_rules", "filed_on": "2026-01-05", "evidence": evidence()},
    )
    assert filed.status_code == 409


def test_another_tenant_sees_nothing(setup):
    api, (division, _) = setup
    filed = api.post(
        f"/divisions/{division}/filings",
        json={"item_code": "assessment_rules", "filed_on": "2026-01-05", "evidence": evidence()},
    )
    filing_id = filed.get_json()["filing_id"]

    assert api.get(f"/divisions/{division}/filings", as_user=TENANT_B).status_code == 404
    body = {"item_code": "assessment_rules", "filed_on": "2026-01-05", "evidence": evidence()}
    assert (
        api.post(f"/divisions/{division}/filings", json=body, as_user=TENANT_B).status_code == 404
    )
    assert (
        api.post(
            f"/filings/{filing_id}/withdraw", json={"reason": "x"}, as_user=TENANT_B
        ).status_code
        == 404
    )
    assert api.get("/filing-items", as_user=TENANT_B).get_json()["total"] == 0
    assert api.get("/filings/status", as_user=TENANT_B).get_json()["total"] == 0
