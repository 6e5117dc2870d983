"""The 12345 callback API in process, on the real FerretDB: the centre imports the provincial
results file (dry run, report, problems per row and column), lists the kept callbacks by
period and grid, gets the template; other roles 403, tenant B sees nothing, hostile files are
refused."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from services.survey.domain.callbacks import tenant_day
from services.survey.views.callbacks import blp
from shared.registry.testing import seed_registry, square
from shared.testing.workbooks import sheet_bomb, xlsx

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
ADMIN = {"subject": "u-admin", "tenant_id": "tenant-a", "roles": ("tenant-admin",)}
WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
HEADER = ("工单编号", "回访结果", "回访时间", "网格编码", "事项编号")


def today() -> date:
    return tenant_day(datetime.now(UTC))


def first_of_month() -> date:
    """The first day of last month: every hour of it is past, whenever the test runs."""
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


def at(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()} {hour:02d}:00"


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "HP-01", square(120.0, 31.7), date(2025, 1, 1)),
            ("g-2", "div-1", "HP-02", square(120.02, 31.7), date(2025, 1, 1)),
        ],
        teams={"g-1": [("u-w1", "full_time_worker", date(2025, 1, 1), None)]},
    )
    return api_client([blp])


def upload(api, data: bytes, *, name: str = "回访.xlsx", as_user=CENTRE, dry_run: bool = False):
    return api.post(
        f"/callbacks/imports?dry_run={'true' if dry_run else 'false'}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        as_user=as_user,
    )


def good_file() -> bytes:
    day = first_of_month()
    return xlsx(
        HEADER,
        ("GD-1", "满意", at(day), "HP-01", None),
        ("GD-2", "基本满意", at(day, 11), "HP-02", None),
        ("GD-3", "未接通", at(day, 12), "HP-01", None),
    )


def test_the_centre_imports_checks_first_and_lists(api):
    dry = upload(api, good_file(), dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json() == {
        "dry_run": True,
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "problems": [],
    }
    assert api.get("/callbacks", as_user=CENTRE).get_json()["total"] == 0

    done = upload(api, good_file(), as_user=ADMIN)
    assert (done.get_json()["dry_run"], done.get_json()["created"]) == (False, 3)
    again = upload(api, good_file())
    assert (again.get_json()["unchanged"], again.get_json()["created"]) == (3, 0)

    listed = api.get("/callbacks", as_user=CENTRE).get_json()
    assert listed["total"] == 3
    assert [item["work_order_no"] for item in listed["items"]] == ["GD-3", "GD-2", "GD-1"]
    first = listed["items"][2]
    assert {key: first[key] for key in ("grid_id", "division_id", "worker_id", "event_id")} == {
        "grid_id": "g-1",
        "division_id": "div-1",
        "worker_id": "u-w1",
        "event_id": None,
    }
    assert (first["outcome"], first["outcome_label"], first["origin"], first["attached_by"]) == (
        "satisfied",
        "满意",
        "import",
        "import",
    )
    assert first["day"] == first_of_month().isoformat()
    assert listed["items"][0]["outcome_label"] == "未接通/联系不上"


def test_the_list_filters_by_period_and_grid(api):
    upload(api, good_file())
    month = first_of_month()
    before = (month - timedelta(days=1)).replace(day=1)
    label = f"{month.year}-{month.month:02d}"
    quarter = f"{month.year}-Q{(month.month - 1) // 3 + 1}"

    def total(query: str) -> int:
        response = api.get(f"/callbacks?{query}", as_user=CENTRE)
        assert response.status_code == 200, response.get_json()
        return int(response.get_json()["total"])

    assert total(f"period_kind=month&period={label}") == 3
    assert total(f"period_kind=quarter&period={quarter}") == 3
    assert total(f"period_kind=year&period={month.year}") == 3
    assert total(f"period_kind=month&period={before.year}-{before.month:02d}") == 0
    assert total(f"period_kind=custom&period={month.isoformat()}..{month.isoformat()}") == 3
    assert total(f"period_kind=month&period={label}&grid_id=g-2") == 1
    assert total("grid_id=g-1&page_size=1") == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period_kind=month&period=2026-13", "period"),
        ("period_kind=week&period=2026-W01", "period_kind"),
        ("period=2026-03", "period_kind"),
        ("period_kind=month", "period"),
        ("period_kind=custom&period=2026-01-01", "period"),
    ],
)
def test_a_bad_list_query_names_its_field(api, query: str, field: str):
    response = api.get(f"/callbacks?{query}", as_user=CENTRE)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == [field]


def test_problems_come_back_per_row_and_column(api):
    day = first_of_month()
    data = xlsx(
        HEADER,
        ("GD-1", "满意", at(day), "HP-01", None),
        ("GD-NEW", "满意", at(day), None, None),
        ("GD-X", "很好", at(day), "HP-01", None),
    )
    body = upload(api, data).get_json()
    assert (body["created"], body["failed"]) == (1, 2)
    assert [(problem["row"], problem["column"]) for problem in body["problems"]] == [
        (3, "网格编码"),
        (4, "回访结果"),
    ]


def test_only_the_centre_and_only_its_tenant(api):
    upload(api, good_file())
    assert upload(api, good_file(), as_user=WORKER).status_code == 403
    assert api.get("/callbacks", as_user=WORKER).status_code == 403
    assert api.get("/callbacks/imports/template", as_user=WORKER).status_code == 403
    assert api.get("/callbacks", as_user=TENANT_B).get_json()["total"] == 0
    # Tenant B's registry has none of A's grid codes: nothing of A's is reachable from B.
    other = upload(api, good_file(), as_user=TENANT_B).get_json()
    assert (other["created"], other["failed"]) == (0, 3)


def test_a_missing_or_hostile_file_is_a_problem_on_file(api):
    missing = api.post(
        "/callbacks/imports", data={}, content_type="multipart/form-data", as_user=CENTRE
    )
    assert missing.status_code == 422
    assert [error["field"] for error in missing.get_json()["errors"]] == ["file"]
    bomb = upload(api, sheet_bomb(200 * 1_048_576, header=HEADER), dry_run=True)
    assert bomb.status_code in (413, 422)
    assert [error["field"] for error in bomb.get_json()["errors"]] == ["file"]
    utf16 = upload(api, "工单编号,回访结果\n".encode("utf-16"), name="回访.csv")
    assert utf16.status_code == 422
    assert [error["field"] for error in utf16.get_json()["errors"]] == ["file"]


def test_the_template_imports_as_it_is(api):
    response = api.get("/callbacks/imports/template", as_user=CENTRE)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == list(HEADER)
    assert sheet["D2"].value == "HP-01"
    body = upload(api, response.data, dry_run=True).get_json()
    assert (body["created"], body["failed"]) == (1, 0)
