"""The 12345 work-order import in process, on the real FerretDB: good rows land and bad ones
are reported per column, a dry run stores nothing, a re-run changes nothing, CSV in GB18030,
callbacks published once, tenant walls, roles and hostile files."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from services.event_intake.documents.events import EventDocument
from services.event_intake.documents.hotline import HotlineCallbackDocument
from services.event_intake.domain.hotline import HOTLINE_ACTOR
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.views import events as event_views
from services.event_intake.views import hotline
from shared.http import uploads
from shared.testing.workbooks import assert_every_import_refuses, sheet_bomb

pytestmark = pytest.mark.integration

CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
ADMIN = {"subject": "admin-a", "tenant_id": "tenant-a", "roles": ("tenant-admin",)}
WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "centre-b", "tenant_id": "tenant-b", "roles": ("center-staff",)}
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS = (
    "工单编号",
    "来电时间",
    "诉求分类",
    "诉求标题",
    "诉求内容",
    "事发地址",
    "经度",
    "纬度",
    "网格编码",
    "办理时限",
    "联系电话",
    "回访结果",
    "回访时间",
)
PHONE = "13800138000"


def days_ago(days: int, hour: int = 9) -> datetime:
    """A naive Asia/Shanghai wall time, as Excel holds it."""
    day = datetime.now(SHANGHAI).date() - timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 15)  # noqa: DTZ001


CALLED = days_ago(3)
CALLBACK = days_ago(1, 10)
GOOD = [
    # by grid code, category by name, with a callback
    (
        "GD001",
        CALLED,
        "城市管理",
        "井盖缺失",
        "人民路12号井盖缺失\n夜间危险",
        "人民路12号",
        None,
        None,
        "G01",
        "3个工作日",
        PHONE,
        "满意",
        CALLBACK,
    ),
    # by position (in G02), category by code
    (
        "GD002",
        CALLED,
        "environmental_protection",
        "噪音扰民",
        "",
        "",
        120.025,
        31.705,
        None,
        None,
        PHONE,
        None,
        None,
    ),
    # no title: the content gives it
    (
        "GD003",
        days_ago(2),
        "民生服务",
        None,
        "小区路灯不亮已经一周了，请尽快维修",
        None,
        120.005,
        31.705,
        None,
        None,
        None,
        "未接通",
        days_ago(1),
    ),
    (
        "GD004",
        days_ago(5),
        "城市管理",
        "占道经营",
        None,
        None,
        None,
        None,
        "G02",
        None,
        None,
        None,
        None,
    ),
    (
        "GD005",
        days_ago(4, 20),
        "社会治安",
        "深夜喧哗",
        None,
        None,
        None,
        None,
        "G01",
        None,
        None,
        "基本满意",
        days_ago(3, 11),
    ),
]
BAD = [
    ("GD006", CALLED, "城管", "分类不对", None, None, None, None, "G01", None, None, None, None),
    (
        "GD007",
        days_ago(-2),
        "城市管理",
        "未来的来电",
        None,
        None,
        None,
        None,
        "G01",
        None,
        None,
        None,
        None,
    ),
    (
        "GD008",
        CALLED,
        "城市管理",
        "没有这个网格",
        None,
        None,
        None,
        None,
        "G99",
        None,
        None,
        None,
        None,
    ),
]


def workbook(*rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(api, data, *, name="12345.xlsx", dry_run=False, as_user=CENTRE):
    return api.post(
        f"/hotline/work-orders/import?dry_run={'true' if dry_run else 'false'}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        as_user=as_user,
    )


def outbox(tenant="tenant-a"):
    """Every outbox entry's type of the tenant's events and callbacks."""
    found = []
    for document in (EventDocument, HotlineCallbackDocument):
        for doc in document.objects(tenant_id=tenant):
            found.extend(json.loads(entry.envelope)["type"] for entry in doc.outbox)
    return sorted(found)


def callbacks(tenant="tenant-a"):
    return [
        json.loads(entry.envelope)
        for doc in HotlineCallbackDocument.objects(tenant_id=tenant)
        for entry in doc.outbox
    ]


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2020, 1, 1)),
            ("g-2", "div-2", "G02", square(120.02, 31.70), date(2020, 1, 1)),
        ],
        teams={"g-1": [("worker-1", "full_time_worker", date(2020, 1, 1), None)]},
    )
    seed_registry(
        "tenant-b", grids=[("g-b", "div-b", "G01", square(120.00, 31.70), date(2020, 1, 1))]
    )
    return api_client([event_views.blp, hotline.blp])


def test_good_rows_land_and_bad_ones_are_reported_per_column(api) -> None:
    response = upload(api, workbook(*GOOD, *BAD))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["rows"], body["created"], body["unchanged"], body["failed"]) == (8, 5, 0, 3)
    assert body["dry_run"] is False
    assert {(p["row"], p["column"]) for p in body["problems"]} == {
        (7, "诉求分类"),
        (8, "来电时间"),
        (9, "网格编码"),
    }
    stored = {doc.title: doc for doc in EventDocument.objects(tenant_id="tenant-a")}
    assert len(stored) == 5
    assert {doc.source for doc in stored.values()} == {"hotline_12345"}
    assert {doc.reporter_id for doc in stored.values()} == {HOTLINE_ACTOR}
    assert stored["井盖缺失"].grid_id == "g-1"
    assert stored["井盖缺失"].description == "人民路12号井盖缺失\n夜间危险"
    assert stored["噪音扰民"].grid_id == "g-2"
    assert stored["噪音扰民"].category == "environmental_protection"
    assert stored["小区路灯不亮已经一周了，请尽快维修"].category == "livelihood_service"
    # Reported at the call, not at the import.
    called = CALLED.replace(tzinfo=SHANGHAI).astimezone(UTC)
    assert stored["井盖缺失"].reported_at.replace(tzinfo=UTC) == called
    # The importer is the audit actor of what the import recorded.
    assert {entry.actor for doc in stored.values() for entry in doc.outbox} == {"centre-1"}
    assert outbox().count("event.reported") == 5
    # Callbacks: three rows had one, each published once, without personal data.
    published = callbacks()
    assert sorted(m["payload"]["outcome"] for m in published) == [
        "basically_satisfied",
        "satisfied",
        "unreachable",
    ]
    first = next(m for m in published if m["payload"]["work_order_no"] == "GD001")
    assert first["type"] == "hotline.callback_recorded"
    assert first["payload"]["event_id"] == stored["井盖缺失"].event_id
    assert first["payload"]["grid_id"] == "g-1"
    assert first["payload"]["division_id"] == "div-1"
    assert first["payload"]["category"] == "city_management"
    assert (
        first["payload"]["called_at"]
        == CALLBACK.replace(tzinfo=SHANGHAI).astimezone(UTC).isoformat()
    )
    text = json.dumps(published) + "".join(
        entry.envelope for doc in stored.values() for entry in doc.outbox
    )
    assert PHONE not in text
    assert "人民路" not in text


def test_a_rerun_changes_nothing_and_a_changed_callback_is_published_again(api) -> None:
    assert upload(api, workbook(*GOOD)).json["created"] == 5
    before = outbox()
    again = upload(api, workbook(*GOOD), as_user=ADMIN)  # another importer: the same work orders
    assert again.status_code == 200, again.json
    assert (again.json["created"], again.json["unchanged"], again.json["failed"]) == (0, 5, 0)
    assert outbox() == before
    assert EventDocument.objects(tenant_id="tenant-a").count() == 5

    changed = list(GOOD[0])
    changed[11] = "不满意"
    answer = upload(api, workbook(tuple(changed), *GOOD[1:]))
    assert (answer.json["updated"], answer.json["unchanged"]) == (1, 4)
    outcomes = [
        m["payload"]["outcome"] for m in callbacks() if m["payload"]["work_order_no"] == "GD001"
    ]
    assert outcomes == ["satisfied", "unsatisfied"]
    # The event document is not touched by callbacks.
    assert all(doc.revision == 1 for doc in EventDocument.objects(tenant_id="tenant-a"))


def test_a_dry_run_reports_the_same_and_stores_nothing(api) -> None:
    dry = upload(api, workbook(*GOOD, *BAD), dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] is True
    assert EventDocument.objects(tenant_id="tenant-a").count() == 0
    assert HotlineCallbackDocument.objects(tenant_id="tenant-a").count() == 0
    real = upload(api, workbook(*GOOD, *BAD))
    assert {k: v for k, v in dry.json.items() if k != "dry_run"} == {
        k: v for k, v in real.json.items() if k != "dry_run"
    }


def test_a_number_twice_in_one_file_rejects_every_copy(api) -> None:
    answer = upload(api, workbook(GOOD[0], GOOD[1], GOOD[0]))
    assert (answer.json["created"], answer.json["failed"]) == (1, 2)
    assert {(p["row"], p["column"]) for p in answer.json["problems"]} == {
        (2, "工单编号"),
        (4, "工单编号"),
    }


def test_csv_in_gb18030_and_utf8_with_bom(api) -> None:
    lines = [
        ",".join(HEADERS),
        f'GD101,{CALLED:%Y/%m/%d %H:%M},城市管理,垃圾堆放,"楼下垃圾堆放,无人清理",,'
        f"120.005,31.705,,,{PHONE},满意,{CALLBACK:%Y-%m-%d %H:%M}",
        "",
        f"GD102,{CALLED:%Y年%m月%d日 %H:%M},没有的分类,标题,,,,,G01,,,,",
    ]
    data = "\r\n".join(lines).encode("gb18030")
    answer = upload(api, data, name="12345工单.csv")
    assert answer.status_code == 200, answer.json
    assert (answer.json["created"], answer.json["failed"]) == (1, 1)
    assert [(p["row"], p["column"]) for p in answer.json["problems"]] == [(4, "诉求分类")]
    event = EventDocument.objects(tenant_id="tenant-a").first()
    assert event.description == "楼下垃圾堆放,无人清理"
    assert len(callbacks()) == 1
    bom = "\ufeff" + "\n".join(
        [
            "工单编号,来电时间,诉求分类,诉求标题,网格编码",
            f"GD103,{CALLED:%Y-%m-%d %H:%M:%S},信访,来访,G02",
        ]
    )
    answer = upload(api, bom.encode("utf-8"), name="export.CSV")
    assert answer.json["created"] == 1, answer.json
    header = "工单编号,来电时间,诉求分类,诉求标题,网格编码"
    bell = f"{header}\nGD104,{CALLED:%Y-%m-%d %H:%M},信访,来\x07访,G02"
    bad_text = upload(api, bell.encode(), name="x.csv")
    assert bad_text.status_code == 200, bad_text.json
    assert [(p["row"], p["column"]) for p in bad_text.json["problems"]] == [(2, "诉求标题")]
    for unreadable in (b"\xff\xfe\x00\x00binary", "工单编号".encode("utf-16")):
        refused = upload(api, unreadable, name="x.csv")
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json["errors"]] == ["file"]


def test_the_template_imports_its_example_row(api) -> None:
    response = api.get("/hotline/work-orders/template", as_user=CENTRE)
    assert response.status_code == 200
    assert response.mimetype == uploads.XLSX
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "来电时间", "诉求分类")
    assert len(rows) == 2
    answer = upload(api, response.data)
    assert (answer.json["created"], answer.json["failed"]) == (1, 0), answer.json
    assert len(callbacks()) == 1


def test_tenant_b_sees_none_of_it(api) -> None:
    upload(api, workbook(*GOOD))
    event_id = EventDocument.objects(tenant_id="tenant-a").first().event_id
    assert api.get(f"/events/{event_id}", as_user=TENANT_B).status_code == 404
    listed = api.get("/events", as_user=TENANT_B)
    assert listed.status_code == 200
    assert listed.json["items"] == []
    # The same numbers in tenant B are its own work orders: new events, its grids only.
    answer = upload(api, workbook(GOOD[0], GOOD[3]), as_user=TENANT_B)
    assert (answer.json["created"], answer.json["failed"]) == (1, 1)
    assert [p["column"] for p in answer.json["problems"]] == ["网格编码"]
    assert EventDocument.objects(tenant_id="tenant-b").count() == 1
    assert EventDocument.objects(tenant_id="tenant-b").first().event_id != event_id
    assert EventDocument.objects(tenant_id="tenant-a").count() == 5


def test_only_the_centre_imports(api) -> None:
    assert upload(api, workbook(*GOOD), as_user=WORKER).status_code == 403
    assert api.get("/hotline/work-orders/template", as_user=WORKER).status_code == 403
    assert EventDocument.objects(tenant_id="tenant-a").count() == 0


def test_hostile_files_get_the_platforms_answer(api) -> None:
    for data in (b"not a workbook", workbook(("GD1",), headers=("工单编号",))):
        response = upload(api, data)
        assert response.status_code == 422
        assert [e["field"] for e in response.json["errors"]] == ["file"]
    missing = api.post(
        "/hotline/work-orders/import", data={}, content_type="multipart/form-data", as_user=CENTRE
    )
    assert missing.status_code == 422
    oversized = upload(api, b"x" * (uploads.UPLOAD_MAX_BYTES + 1))
    assert oversized.status_code == 413
    assert [e["field"] for e in oversized.json["errors"]] == ["file"]
    # As the default caller, a tenant admin (the centre).
    assert_every_import_refuses(api, sheet_bomb(400 * 1_048_576))
    assert EventDocument.objects(tenant_id="tenant-a").count() == 0
