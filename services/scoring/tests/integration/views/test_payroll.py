"""Payroll through the API on the real FerretDB: a month and a quarter of seed 004 from
published editions only, amounts by hand, the workbook and the CSV, who may read it."""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from services.scoring.tests.integration.evaluation_support import bridge, shanhu_month
from services.scoring.views.evaluations import blp as evaluations_blp
from services.scoring.views.payroll import blp
from services.scoring.views.schemes import blp as schemes_blp

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
W01 = {"subject": "w01", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-a-not", "roles": ("tenant-admin",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"
# 2026-09-07..09 are Monday to Wednesday: w02 fails three working days running and forfeits
# his patrol subsidy; w01 fails one day (-25). July and August: every target met.
SEPTEMBER = {"w02": [7, 8, 9], "w01": [15]}


@pytest.fixture
def street(api_client, monkeypatch):
    api = api_client([schemes_blp, evaluations_blp, blp])
    bridge(
        monkeypatch,
        lambda scheme, period: shanhu_month(period, SEPTEMBER if period.label == "2026-09" else {}),
    )
    assert (
        api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    ).status_code == 201
    assert api.post("/schemes/shanhu/publish", as_user=CENTRE).status_code == 200
    return api


def publish(api: Any, period: str) -> None:
    made = api.post("/schemes/shanhu/evaluations", json={"period": period}, as_user=CENTRE)
    assert made.status_code == 201, made.get_json()


def payroll(api: Any, period: str, **params: str) -> Any:
    return api.get(
        "/schemes/shanhu/payroll", query_string={"period": period, **params}, as_user=CENTRE
    )


# By hand (seed 004 §六; evaluation_support.shanhu_month: valid reports 20/19/18, four tasks
# each, no special duty):
# a month meeting every target pays 800 patrol + (200 - 10 a report short of 20) info + 200
# tasks: w01 1200, w02 1190, w03 1180. September (a quarter's last month) adds the star tier
# (ranked by the quarter's pay, ranks 1-3: 300 each); w01 loses 25 for one failing day, w02
# forfeits patrol:
SEPTEMBER_PAY = {
    "w01": {"patrol_subsidy": "775.00", "info_subsidy": "200.00", "task_reward": "200.00",
            "star_reward": "300.00"},
    "w02": {"patrol_subsidy": "0.00", "info_subsidy": "190.00", "task_reward": "200.00",
            "star_reward": "300.00"},
    "w03": {"patrol_subsidy": "800.00", "info_subsidy": "180.00", "task_reward": "200.00",
            "star_reward": "300.00"},
}  # fmt: skip
SEPTEMBER_TOTAL = {"w01": "1475.00", "w02": "690.00", "w03": "1480.00"}


def test_a_months_payroll_is_its_published_money_lines(street):
    publish(street, "2026-09")
    found = payroll(street, "2026-09")
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert (body["scheme_id"], body["period"], body["scheme_versions"]) == (
        "shanhu",
        "2026-09",
        [1],
    )
    assert [(e["period"], e["edition"]) for e in body["editions"]] == [("2026-09", 1)]
    rows = {row["subject_id"]: row for row in body["rows"]}
    assert {s: row["by_rule"] for s, row in rows.items()} == SEPTEMBER_PAY
    assert {s: row["total"] for s, row in rows.items()} == SEPTEMBER_TOTAL
    assert body["totals"]["total"] == "3645.00"  # 1475 + 690 + 1480
    patrol = next(a for a in rows["w02"]["amounts"] if a["rule_id"] == "patrol_subsidy")
    assert patrol == {
        "rule_id": "patrol_subsidy",
        "period": "2026-09",
        "edition": 1,
        "amount": "0.00",
        "forfeited": True,
        "sheet": "/schemes/shanhu/evaluations/2026-09/sheets/w02?edition=1",
    }
    # The sheet named explains the line.
    sheet = street.get(patrol["sheet"], as_user=CENTRE).get_json()
    line = next(m for m in sheet["money"] if m["rule_id"] == "patrol_subsidy")
    assert line["amount"] == "0.00"
    assert line["explain"]["zh"]


def test_a_quarter_is_its_three_published_months_side_by_side(street):
    publish(street, "2026-09")
    waiting = payroll(street, "2026-Q3")
    assert waiting.status_code == 409
    assert waiting.headers["Content-Type"].startswith("application/problem+json")
    assert "period 2026-Q3" in waiting.get_json()["detail"]
    assert "2026-07, 2026-08" in waiting.get_json()["detail"]
    publish(street, "2026-07")
    publish(street, "2026-08")
    body = payroll(street, "2026-Q3").get_json()
    assert [e["period"] for e in body["editions"]] == ["2026-07", "2026-08", "2026-09"]
    rows = {row["subject_id"]: row for row in body["rows"]}
    # July and August: 1200 / 1190 / 1180 each; September as above.
    assert {s: row["by_period"] for s, row in rows.items()} == {
        "w01": {"2026-07": "1200.00", "2026-08": "1200.00", "2026-09": "1475.00"},
        "w02": {"2026-07": "1190.00", "2026-08": "1190.00", "2026-09": "690.00"},
        "w03": {"2026-07": "1180.00", "2026-08": "1180.00", "2026-09": "1480.00"},
    }
    assert {s: row["total"] for s, row in rows.items()} == {
        "w01": "3875.00",
        "w02": "3070.00",
        "w03": "3840.00",
    }
    # The stars are paid once, from the quarter's last published month.
    assert rows["w01"]["by_rule"]["star_reward"] == "300.00"
    assert rows["w02"]["by_rule"]["patrol_subsidy"] == "1600.00"  # 800 + 800 + 0
    assert body["totals"]["total"] == "10785.00"


def test_the_workbook_and_the_csv_hold_the_same_rows(street):
    publish(street, "2026-09")
    response = payroll(street, "2026-09", format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(c) for row in cells for c in row if c is not None)
    assert "shanhu（第1版）" in text
    assert "2026-09 第1版" in text
    assert "生成时间" in text
    header_at = next(i for i, row in enumerate(cells) if row[0] == "序号")
    header = cells[header_at]
    assert header[:3] == ["序号", "姓名", "编号"]
    assert "巡查补贴（元）" in header
    assert "合计（元）" in header
    total_at = header.index("合计（元）")
    workers = {row[2]: row for row in cells[header_at + 1 :] if row[2]}
    assert {s: Decimal(str(row[total_at])) for s, row in workers.items()} == {
        s: Decimal(v) for s, v in SEPTEMBER_TOTAL.items()
    }
    assert "巡查补贴取消" in workers["w02"][-1]
    assert cells[-1][1] == "合计"
    assert Decimal(str(cells[-1][total_at])) == Decimal("3645.00")

    raw = payroll(street, "2026-09", format="csv").data
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    at = next(i for i, row in enumerate(rows) if row and row[0] == "序号")
    assert rows[at] == header
    by_id = {row[2]: row for row in rows[at + 1 :] if row[2]}
    assert {s: row[total_at] for s, row in by_id.items()} == SEPTEMBER_TOTAL


def test_only_the_centre_of_the_tenant_reads_the_payroll(street):
    publish(street, "2026-09")
    mine = street.get("/schemes/shanhu/payroll", query_string={"period": "2026-09"}, as_user=W01)
    assert mine.status_code == 403
    other = street.get(
        "/schemes/shanhu/payroll", query_string={"period": "2026-09"}, as_user=TENANT_B
    )
    assert other.status_code == 404
    bad = payroll(street, "2026-13")
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["period"]
    assert payroll(street, "2026-09", format="pdf").status_code == 422
    assert payroll(street, "2026-08").status_code == 409  # not published


def _crew(_: Any, period: Any) -> dict[str, Any]:
    """Sixteen workers: in July and August w01-w10 meet every target (1200 a month) and
    w11-w16 report 10 items short (1100); in September it is the other way round. September
    alone would rank w11-w16 first; the quarter (3500 against 3400) ranks w01-w10 first."""
    late_starters = period.label == "2026-09"
    subjects = []
    for n in range(1, 17):
        strong = (n <= 10) != late_starters
        subjects.append(
            {
                "id": f"w{n:02d}",
                "name": f"网格员{n}",
                "facts": {
                    "patrol_failing_days": [],
                    "meeting_absences_unexcused": 0,
                    "valid_info_reports": 20 if strong else 10,
                    "unreported_violation": False,
                    "dispatched_tasks_completed": 4,
                },
            }
        )
    return {"subjects": subjects}


def test_the_quarters_stars_follow_from_its_three_published_months(api_client, monkeypatch):
    api = api_client([schemes_blp, evaluations_blp, blp])
    bridge(monkeypatch, _crew)
    api.post("/schemes", json={"template": SEED_004, "id": "shanhu"}, as_user=CENTRE)
    api.post("/schemes/shanhu/publish", as_user=CENTRE)
    publish(api, "2026-07")
    # August skipped: September would read a broken quarter, so it waits for August.
    early = api.post("/schemes/shanhu/evaluations", json={"period": "2026-09"}, as_user=CENTRE)
    assert early.status_code == 409
    assert "lock 2026-08 first" in early.get_json()["detail"]
    publish(api, "2026-08")
    publish(api, "2026-09")

    body = payroll(api, "2026-Q3").get_json()
    stars = {row["subject_id"]: row["by_rule"]["star_reward"] for row in body["rows"]}
    # Quarter pay: w01-w10 1200 + 1200 + 1100 = 3500 (ranks 1, tied: 3 stars, 300);
    # w11-w16 1100 + 1100 + 1200 = 3400 (rank 11, tied: 1 star, 100).
    assert stars == {f"w{n:02d}": "300.00" if n <= 10 else "100.00" for n in range(1, 17)}
    star = next(
        a for row in body["rows"] if row["subject_id"] == "w11" for a in row["amounts"]
        if a["rule_id"] == "star_reward"
    )  # fmt: skip
    assert (star["period"], star["edition"]) == ("2026-09", 1)  # paid once, from September
    sheet = api.get(star["sheet"], as_user=CENTRE).get_json()
    words = next(m for m in sheet["money"] if m["rule_id"] == "star_reward")["explain"]["zh"]
    assert words == (
        "本季度2026-07：巡查补贴800.00元、信息补贴100.00元、任务奖励200.00元；"
        "2026-08：巡查补贴800.00元、信息补贴100.00元、任务奖励200.00元；"
        "2026-09：巡查补贴800.00元、信息补贴200.00元、任务奖励200.00元；"
        "按本季度巡查补贴、信息补贴与任务奖励合计（3400）排名第11名，属第11—15名（1星级），"
        "奖励100.00元"
    )
