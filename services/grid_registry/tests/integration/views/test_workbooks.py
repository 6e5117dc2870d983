"""Excel import/export in process, on the real FerretDB: per-row reports, dry runs, re-runs
that change nothing, exports that import back unchanged, uploads without a file."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.base_info import BaseInfoSnapshotDocument
from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.tests.integration.views.test_base_info import make_division, make_grid
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIVISION_HEADERS = ("村社区编码", "村社区名称", "类型")
BASE_INFO_HEADERS = ("网格编码", "类别", "子类", "应采集数", "已采集数", "已核实数", "统计日期")
TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}


def workbook(headers, *rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(api, url, data, **kwargs):
    return api.post(
        url,
        data={"file": (io.BytesIO(data), "upload.xlsx")},
        content_type="multipart/form-data",
        **kwargs,
    )


def outcomes(response):
    assert response.status_code == 200, response.get_json()
    return [(row["key"], row["outcome"]) for row in response.get_json()["rows"]]


def events(tenant="tenant-a"):
    return sorted(
        Envelope.parse(entry.envelope).type
        for doc in DivisionDocument.objects(tenant_id=tenant)
        for entry in doc.outbox
    )


def test_divisions_import_creates_updates_and_leaves_the_rest(api_client):
    api = api_client(BLUEPRINTS)
    api.post("/divisions", json={"code": "A", "name": "东风村", "kind": "village"})
    api.post("/divisions", json={"code": "B", "name": "西风村", "kind": "village"})
    data = workbook(
        DIVISION_HEADERS,
        ("A", "东风村", "村"),
        ("B", "西风社区", "社区"),
        ("C", "南风村", "村"),
        ("D", "北风", "城堡"),
        ("E", "甲", "村"),
        ("E", "乙", "村"),
        ("-bad", "坏", "村"),
    )

    dry = upload(api, "/divisions/import?dry_run=true", data)
    assert DivisionDocument.objects(tenant_id="tenant-a").count() == 2
    real = upload(api, "/divisions/import?dry_run=false", data)

    expected = [
        ("A", "unchanged"),
        ("B", "updated"),
        ("C", "created"),
        ("D", "rejected"),
        ("E", "rejected"),
        ("E", "rejected"),
        ("-bad", "rejected"),
    ]
    assert outcomes(dry) == expected
    assert outcomes(real) == expected
    assert dry.get_json()["dry_run"] is True
    assert real.get_json()["summary"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 4}
    rows = real.get_json()["rows"]
    assert rows[3]["problems"][0]["column"] == "类型"
    assert rows[4]["problems"][0]["column"] == "村社区编码"
    assert rows[6]["problems"][0]["column"] == "村社区编码"
    assert [row["row"] for row in rows] == [2, 3, 4, 5, 6, 7, 8]
    b = DivisionDocument.objects(tenant_id="tenant-a", code="B").get()
    assert (b.name, b.kind.value) == ("西风社区", "community")
    assert events() == [
        "division.created",
        "division.created",
        "division.created",
        "division.updated",
    ]
    update = next(
        Envelope.parse(entry.envelope) for entry in b.outbox if "updated" in entry.envelope
    )
    assert update.payload == {
        "division_id": b.division_id,
        "code": "B",
        "name": "西风社区",
        "kind": "community",
        "updated_by": "admin-a",
    }

    rerun = upload(api, "/divisions/import", data)
    assert [outcome for _, outcome in outcomes(rerun)][:3] == ["unchanged"] * 3
    assert len(events()) == 4


def test_divisions_export_imports_back_unchanged(api_client):
    api = api_client(BLUEPRINTS)
    for code, kind in (("A", "village"), ("B", "community")):
        api.post("/divisions", json={"code": code, "name": f"{code}名", "kind": kind})

    exported = api.get("/divisions/export")

    assert exported.status_code == 200
    assert exported.mimetype == XLSX
    disposition = exported.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "divisions-" in disposition
    assert disposition.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert list(sheet.iter_rows(values_only=True)) == [
        DIVISION_HEADERS,
        ("A", "A名", "村"),
        ("B", "B名", "社区"),
    ]
    again = upload(api, "/divisions/import", exported.data)
    assert outcomes(again) == [("A", "unchanged"), ("B", "unchanged")]
    assert api.get("/divisions/export", as_user=TENANT_B).status_code == 200
    other = load_workbook(io.BytesIO(api.get("/divisions/export", as_user=TENANT_B).data))
    assert list(other.active.iter_rows(values_only=True)) == [DIVISION_HEADERS]


def test_uploads_without_a_file_or_with_a_bad_one_are_422_on_file(api_client):
    api = api_client(BLUEPRINTS)
    missing = api.post("/divisions/import", data={"other": "x"}, content_type="multipart/form-data")
    not_xlsx = upload(api, "/divisions/import", b"not a workbook")
    no_column = upload(api, "/divisions/import", workbook(("村社区编码", "类型"), ("A", "村")))
    as_json = api.post("/divisions/import", json={"file": "x"})

    # JSON is always accepted as a media type, but it cannot carry the file part.
    for response in (missing, not_xlsx, no_column, as_json):
        assert response.status_code == 422
        assert [e["field"] for e in response.get_json()["errors"]] == ["file"]


def test_only_writers_import(api_client):
    api = api_client(BLUEPRINTS)
    worker = {"subject": "w-1", "roles": ("grid-worker",)}
    data = workbook(DIVISION_HEADERS, ("A", "东风村", "村"))
    assert upload(api, "/divisions/import", data, as_user=worker).status_code == 403


def test_base_info_import_and_export_round_trip(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division("D1")
    grid = make_grid(division, "G1", 0)
    api.put(
        f"/grids/{grid}/base-info/population/floating",
        json={"expected": 100, "collected": 90, "verified": 80, "as_of": "2026-01-10"},
    )
    data = workbook(
        BASE_INFO_HEADERS,
        ("G1", "实有人口", "流动人口", 100, 90, 80, "2026-01-10"),
        ("G1", "实有人口", "floating", 100, 95, 80, "2026-02-10"),
        ("G1", "服务对象", "残疾人", 10, 10, 11, "2026-02-10"),
        ("G9", "实有人口", "户籍人口", 1, 1, 1, "2026-02-10"),
        ("G1", "特殊人群", "重点青少年", 5, 5, 5, "2026-02-10"),
        ("G1", "特殊人群", "key_youth", 5, 4, 4, "2026-02-10"),
        ("G1", "出租房屋", "出租房屋", 8, 7, 7, "2026-02-10"),
    )

    dry = upload(api, "/base-info/import?dry_run=true", data)
    assert BaseInfoSnapshotDocument.objects(tenant_id="tenant-a").count() == 1
    real = upload(api, "/base-info/import", data)

    expected = [
        ("G1", "unchanged"),
        ("G1", "created"),
        ("G1", "rejected"),
        ("G9", "rejected"),
        ("G1", "rejected"),
        ("G1", "rejected"),
        ("G1", "created"),
    ]
    assert outcomes(dry) == expected
    assert outcomes(real) == expected
    rows = real.get_json()["rows"]
    assert rows[2]["problems"][0]["column"] == "已核实数"
    assert rows[3]["problems"][0]["column"] == "网格编码"
    assert BaseInfoSnapshotDocument.objects(tenant_id="tenant-a").count() == 3

    changed = upload(
        api,
        "/base-info/import",
        workbook(BASE_INFO_HEADERS, ("G1", "实有人口", "流动人口", 100, 91, 80, "2026-01-10")),
    )
    assert outcomes(changed) == [("G1", "updated")]

    exported = api.get("/base-info/export?as_of=2026-02-28")
    assert exported.status_code == 200
    assert "base-info-" in exported.headers["Content-Disposition"]
    sheet = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert sheet[0] == BASE_INFO_HEADERS
    assert [row[:6] for row in sheet[1:]] == [
        ("G1", "实有人口", "流动人口", 100, 95, 80),
        ("G1", "出租房屋", "出租房屋", 8, 7, 7),
    ]
    again = upload(api, "/base-info/import", exported.data)
    assert [outcome for _, outcome in outcomes(again)] == ["unchanged", "unchanged"]
    total_events = sum(
        len(doc.outbox) for doc in BaseInfoSnapshotDocument.objects(tenant_id="tenant-a")
    )
    assert total_events == 4
    assert (
        upload(api, "/base-info/import", data, as_user=TENANT_B).get_json()["summary"]["rejected"]
        == 7
    )
