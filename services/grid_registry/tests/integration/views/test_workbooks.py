"""Excel import/export in process, on the real FerretDB: per-row reports, dry runs, re-runs
that change nothing, exports that import back unchanged, uploads without a file."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.base_info import BaseInfoSnapshotDocument
from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.tests.integration.use_cases.workbooks.support import workbook
from services.grid_registry.tests.integration.views.test_base_info import (
    make_division,
    make_grid,
    square,
)
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIVISION_HEADERS = ("村社区编码", "村社区名称", "类型")
BASE_INFO_HEADERS = ("网格编码", "类别", "子类", "应采集数", "已采集数", "已核实数", "统计日期")
TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}


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


# -- grids and grid teams ----------------------------------------------------------------------

GRID_HEADERS = ("网格编码", "网格名称", "村社区编码", "网格类型", "边界GeoJSON")
TEAM_HEADERS = ("网格编码", "角色", "姓名", "用户ID", "手机号", "起始日期", "终止日期")


def boundary(index):
    return json.dumps(square(index))


def grid_events(tenant="tenant-a"):
    return sorted(
        (doc.code, Envelope.parse(entry.envelope).type)
        for doc in GridDocument.objects(tenant_id=tenant)
        for entry in doc.outbox
    )


def team_events(tenant="tenant-a"):
    return sorted(
        Envelope.parse(entry.envelope).type
        for doc in GridTeamDocument.objects(tenant_id=tenant)
        for entry in doc.outbox
    )


def problems(response):
    return {
        row["row"]: [(p["column"], p["reason"]) for p in row["problems"]]
        for row in response.get_json()["rows"]
        if row["problems"]
    }


def test_grids_import_lands_good_rows_and_reports_bad_ones_per_column(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division("D1")
    make_division("D2")
    for code, index in (("G1", 0), ("G2", 1), ("G9", 5)):
        make_grid(division, code, index)
    open_ring = {"type": "Polygon", "coordinates": [[[119.0, 31.0], [119.1, 31.0], [119.1, 31.1]]]}
    data = workbook(
        GRID_HEADERS,
        ("G1", "G1", "D1", "社区网格", boundary(0)),
        ("G2", "二号网格", "D1", "农村网格", boundary(1)),
        ("G3", "三号网格", "D1", "community", boundary(3)),
        ("G4", "四号网格", "D404", "社区网格", boundary(4)),
        ("G5", "五号网格", "D1", "社区网格", json.dumps(open_ring)),
        ("G6", "甲", "D1", "社区网格", boundary(7)),
        ("G6", "乙", "D1", "社区网格", boundary(8)),
        ("G7", "七号网格", "D1", "社区网格", boundary(3)),
        ("G9", "G9", "D1", "社区网格", boundary(6)),
        ("G8", "八号网格", "D1", "城堡网格", "{not json"),
        ("G1", "G1", "D2", "社区网格", boundary(0)),
    )
    # G1 appears twice: both copies rejected, the existing G1 untouched.
    before = grid_events()

    dry = upload(api, "/grids/import?dry_run=true", data)

    assert grid_events() == before
    assert GridDocument.objects(tenant_id="tenant-a").count() == 3
    real = upload(api, "/grids/import", data)
    expected = [
        ("G1", "rejected"),
        ("G2", "updated"),
        ("G3", "created"),
        ("G4", "rejected"),
        ("G5", "rejected"),
        ("G6", "rejected"),
        ("G6", "rejected"),
        ("G7", "rejected"),
        ("G9", "updated"),
        ("G8", "rejected"),
        ("G1", "rejected"),
    ]
    assert outcomes(dry) == expected
    assert outcomes(real) == expected
    assert dry.get_json()["rows"] == real.get_json()["rows"]
    assert real.get_json()["summary"] == {"created": 1, "updated": 2, "unchanged": 0, "rejected": 8}
    found = problems(real)
    assert [column for column, _ in found[2]] == ["网格编码"]
    assert found[5] == [("村社区编码", "没有这个村社区 / no such division in the tenant")]
    assert found[6][0][0] == "边界GeoJSON"
    assert "boundary.coordinates[0]" in found[6][0][1]
    assert found[7] == found[8] == [("网格编码", found[7][0][1])]
    # Overlaps G3, created by an earlier row of the same workbook: the dry run knew it too.
    assert found[9][0][0] == "边界GeoJSON"
    assert "overlaps active grid G3" in found[9][0][1]
    assert sorted(column for column, _ in found[11]) == ["网格类型", "边界GeoJSON"]
    assert "网格编码" in [column for column, _ in found[12]]
    assert grid_events() == sorted(
        [
            *before,
            ("G2", "grid.updated"),
            ("G3", "grid.created"),
            ("G9", "grid.boundary_changed"),
        ]
    )
    g2 = GridDocument.objects(tenant_id="tenant-a", code="G2").get()
    assert (g2.name, g2.type) == ("二号网格", "village")
    assert json.loads(
        GridDocument.objects(tenant_id="tenant-a", code="G9").get().boundary_json
    ) == (square(6))

    rerun = upload(api, "/grids/import", data)
    assert [outcome for _, outcome in outcomes(rerun)] == [
        "rejected",
        "unchanged",
        "unchanged",
        *["rejected"] * 5,
        "unchanged",
        "rejected",
        "rejected",
    ]
    assert grid_events() == sorted(
        [*before, ("G2", "grid.updated"), ("G3", "grid.created"), ("G9", "grid.boundary_changed")]
    )


def test_grids_import_renames_and_redraws_in_one_row(api_client):
    api = api_client(BLUEPRINTS)
    make_grid(make_division("D1"), "G1", 0)
    ring = square(2)["coordinates"][0]
    # The same polygon typed from another vertex and the other way round is no change.
    same_shape = {"type": "Polygon", "coordinates": [[*ring[2:4], *ring[:3]][::-1]]}

    both = upload(
        api, "/grids/import", workbook(GRID_HEADERS, ("G1", "新名", "D1", "专属网格", boundary(2)))
    )
    again = upload(
        api,
        "/grids/import",
        workbook(GRID_HEADERS, ("G1", "新名", "D1", "special", json.dumps(same_shape))),
    )

    assert outcomes(both) == [("G1", "updated")]
    assert outcomes(again) == [("G1", "unchanged")]
    assert grid_events() == [
        ("G1", "grid.boundary_changed"),
        ("G1", "grid.created"),
        ("G1", "grid.updated"),
    ]


def test_grids_export_imports_back_unchanged_and_stays_in_its_tenant(api_client):
    api = api_client(BLUEPRINTS)
    d1, d2 = make_division("D1"), make_division("D2")
    make_grid(d1, "G1", 0)
    make_grid(d2, "G2", 1)
    retired = make_grid(d1, "G3", 2)
    assert api.post(f"/grids/{retired}/retire", json={"reason": "撤并"}).status_code == 200
    imported = upload(
        api, "/grids/import", workbook(GRID_HEADERS, ("G4", "四号", "D2", "企业网格", boundary(4)))
    )
    g4 = GridDocument.objects(tenant_id="tenant-a", code="G4").get().grid_id
    before = grid_events()

    exported = api.get("/grids/export")

    assert outcomes(imported) == [("G4", "created")]
    assert exported.status_code == 200
    assert exported.mimetype == XLSX
    assert "grids-" in exported.headers["Content-Disposition"]
    sheet = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert sheet[0] == GRID_HEADERS
    assert [row[:4] for row in sheet[1:]] == [
        ("G1", "G1", "D1", "社区网格"),
        ("G2", "G2", "D2", "社区网格"),
        ("G4", "四号", "D2", "企业网格"),
    ]
    assert json.loads(sheet[1][4]) == square(0)
    again = upload(api, "/grids/import", exported.data)
    assert outcomes(again) == [("G1", "unchanged"), ("G2", "unchanged"), ("G4", "unchanged")]
    assert grid_events() == before

    other = api.get("/grids/export", as_user=TENANT_B)
    assert list(load_workbook(io.BytesIO(other.data)).active.iter_rows(values_only=True)) == [
        GRID_HEADERS
    ]
    assert api.get("/grids", as_user=TENANT_B).get_json()["total"] == 0
    assert api.get(f"/grids/{g4}", as_user=TENANT_B).status_code == 404
    # Tenant B has no division D2 and no grid G4: the same workbook creates nothing there.
    as_b = upload(api, "/grids/import", exported.data, as_user=TENANT_B)
    assert as_b.get_json()["summary"]["rejected"] == 3
    assert GridDocument.objects(tenant_id="tenant-b").count() == 0


def test_grids_import_needs_a_writer(api_client):
    api = api_client(BLUEPRINTS)
    worker = {"subject": "w-1", "roles": ("grid-worker",)}
    data = workbook(GRID_HEADERS, ("G1", "一号", "D1", "社区网格", boundary(0)))
    assert upload(api, "/grids/import", data, as_user=worker).status_code == 403
    assert api.get("/grids/export", as_user=worker).status_code == 200
    missing = upload(
        api, "/grids/import", workbook(GRID_HEADERS[:4], ("G1", "一号", "D1", "社区网格"))
    )
    assert missing.status_code == 422
    assert [e["field"] for e in missing.get_json()["errors"]] == ["file"]


def test_teams_import_creates_updates_and_rejects_per_column(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division("D1")
    g1, _ = make_grid(division, "G1", 0), make_grid(division, "G2", 1)
    known_users("tenant-a", "u-1")
    assigned = api.post(
        f"/grids/{g1}/team/members",
        json={
            "role": "full_time_worker",
            "person_name": "王小明",
            "user_id": "u-1",
            "phone": "13800000000",
            "starts_on": "2026-01-01",
        },
    )
    assert assigned.status_code == 201, assigned.get_json()
    data = workbook(
        TEAM_HEADERS,
        ("G1", "专职网格员", "王小明", "u-1", "13800000000", "2026-01-01", None),
        ("G1", "网格长", "李四", None, 13900000000, "2026-01-01", None),
        ("G1", "网格长", "张三", None, None, "2026-03-01", None),
        ("G2", "兼职网格员", "赵六", None, None, "2026/02/01", "2026-12-31"),
        ("G404", "网格长", "钱七", None, None, "2026-01-01", None),
        ("G1", "城堡主", "孙八", None, None, "2026-01-01", None),
        ("G1", "兼职网格员", "周九", None, "abc", "2026-01-01", None),
        ("G2", "网格员", "吴十", None, None, "2026-01-01", None),
        ("G2", "兼职网格员", "郑一", None, None, "2026-01-05", None),
        ("G2", "兼职网格员", "郑一", None, None, "2026-01-05", None),
        ("G2", "兼职网格员", "冯二", None, None, "2026-05-01", "2026-04-01"),
    )

    dry = upload(api, "/teams/import?dry_run=true", data)
    assert team_events() == ["team.member_assigned"]
    real = upload(api, "/teams/import", data)

    expected = [
        ("G1", "unchanged"),
        ("G1", "created"),
        ("G1", "rejected"),
        ("G2", "created"),
        ("G404", "rejected"),
        ("G1", "rejected"),
        ("G1", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
    ]
    assert outcomes(dry) == expected
    assert outcomes(real) == expected
    assert dry.get_json()["rows"] == real.get_json()["rows"]
    found = problems(real)
    # 张三 would hold 网格长 while 李四 (an earlier row of this workbook) holds it.
    assert found[4][0][0] == "起始日期"
    assert "grid_leader" in found[4][0][1]
    assert [column for column, _ in found[6]] == ["网格编码"]
    assert [column for column, _ in found[7]] == ["角色"]
    assert [column for column, _ in found[8]] == ["手机号"]
    assert [column for column, _ in found[9]] == ["角色"]
    assert [column for column, _ in found[10]] == [column for column, _ in found[11]] == ["姓名"]
    assert [column for column, _ in found[12]] == ["终止日期"]
    assert team_events() == ["team.member_assigned"] * 3
    leader = next(
        m
        for m in GridTeamDocument.objects(tenant_id="tenant-a", grid_id=g1).get().memberships
        if m.role == "grid_leader"
    )
    assert (leader.person_name, leader.phone, leader.user_id) == ("李四", "13900000000", None)

    rerun = upload(api, "/teams/import", data)
    assert [outcome for _, outcome in outcomes(rerun)][:4] == [
        "unchanged",
        "unchanged",
        "rejected",
        "unchanged",
    ]
    assert len(team_events()) == 3

    changed = upload(
        api,
        "/teams/import",
        workbook(
            TEAM_HEADERS,
            ("G1", "专职网格员", "王小明", "u-1", "13800000000", "2026-01-01", "2026-06-30"),
            ("G1", "网格长", "李四", None, "13900000001", "2026-01-01", None),
        ),
    )
    # Matched by user id, so the name is corrected rather than a new membership assigned.
    renamed = upload(
        api,
        "/teams/import",
        workbook(
            TEAM_HEADERS,
            ("G1", "专职网格员", "王晓明", "u-1", "13800000000", "2026-01-01", "2026-06-30"),
        ),
    )
    assert outcomes(changed) == [("G1", "updated"), ("G1", "updated")]
    assert outcomes(renamed) == [("G1", "updated")]
    assert team_events() == sorted(
        [
            *["team.member_assigned"] * 3,
            "team.member_ended",
            "team.member_changed",
            "team.member_changed",
        ]
    )
    # Events carry ids and dates, never names or phones.
    payloads = [
        Envelope.parse(entry.envelope).payload
        for doc in GridTeamDocument.objects(tenant_id="tenant-a")
        for entry in doc.outbox
    ]
    assert not any("王" in json.dumps(p, ensure_ascii=False) for p in payloads)
    assert not any("1390000" in json.dumps(p) for p in payloads)


def test_teams_export_by_date_imports_back_unchanged_and_stays_in_its_tenant(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division("D1")
    g1, g2 = make_grid(division, "G1", 0), make_grid(division, "G2", 1)
    known_users("tenant-a", "u-1", "u-2")
    members = (
        (g1, "full_time_worker", "王小明", "u-1", "13800000000", "2026-01-01", "2026-06-30"),
        (g1, "full_time_worker", "李四", "u-2", None, "2026-07-01", None),
        (g1, "grid_leader", "张三", None, None, "2026-01-01", None),
        (g2, "part_time_worker", "赵六", None, None, "2026-02-01", None),
    )
    for grid, role, name, user, phone, start, end in members:
        body = {"role": role, "person_name": name, "user_id": user, "phone": phone}
        body |= {"starts_on": start, "ends_on": end}
        assert api.post(f"/grids/{grid}/team/members", json=body).status_code == 201

    everything = api.get("/teams/export")
    on_day = api.get("/teams/export?date=2026-07-15")

    assert everything.status_code == 200
    assert everything.mimetype == XLSX
    assert "teams-" in everything.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(everything.data)).active.iter_rows(values_only=True))
    assert rows[0] == TEAM_HEADERS
    assert [row[:5] for row in rows[1:]] == [
        ("G1", "网格长", "张三", None, None),
        ("G1", "专职网格员", "王小明", "u-1", "13800000000"),
        ("G1", "专职网格员", "李四", "u-2", None),
        ("G2", "兼职网格员", "赵六", None, None),
    ]
    assert rows[2][5].date().isoformat() == "2026-01-01"
    assert rows[2][6].date().isoformat() == "2026-06-30"
    dated = list(load_workbook(io.BytesIO(on_day.data)).active.iter_rows(values_only=True))
    assert [row[2] for row in dated[1:]] == ["张三", "李四", "赵六"]
    assert api.get("/teams/export?date=someday").status_code == 422

    before = team_events()
    for exported in (everything, on_day):
        again = upload(api, "/teams/import", exported.data)
        assert {outcome for _, outcome in outcomes(again)} == {"unchanged"}
    assert team_events() == before

    other = api.get("/teams/export", as_user=TENANT_B)
    assert list(load_workbook(io.BytesIO(other.data)).active.iter_rows(values_only=True)) == [
        TEAM_HEADERS
    ]
    as_b = upload(api, "/teams/import", everything.data, as_user=TENANT_B)
    assert as_b.get_json()["summary"]["rejected"] == 4
    assert GridTeamDocument.objects(tenant_id="tenant-b").count() == 0
