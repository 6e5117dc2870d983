"""Issue 15's payroll and bulletins on the running stack: seed 004's month for a fresh street
(the world of `test_scoring_seed_004`, driven through every service and locked), then its
payroll workbook against the hand count, its bulletin in every format, and tenant B's 404s.

By hand (see test_scoring_seed_004's module docstring), outside a quarter's last month:
W1 800 + 200 + 200 + 500 = 1700; W2 700 + 170 + 0 = 870; W3 0 (forfeited) + 0 (cancelled)
+ 200 = 200. In a quarter's last month each adds the 3-star reward of 300.
"""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.test_scoring_seed_004 import ok, street  # noqa: F401 - the module fixture

pytestmark = pytest.mark.e2e

TOTALS = {"W1": Decimal(1700), "W2": Decimal(870), "W3": Decimal(200)}


def _expected(world: dict[str, Any]) -> dict[str, Decimal]:
    star = Decimal(300) if int(world["period"][5:]) % 3 == 0 else Decimal(0)
    return {world["workers"][name]: total + star for name, total in TOTALS.items()}


def test_the_payroll_workbook_matches_the_hand_count(api, street):  # noqa: F811
    scoring = api("scoring", street["tenant"].admin)
    path = f"/schemes/{street['scheme_id']}/payroll"
    period = street["period"]
    expected = _expected(street)

    body = ok(scoring.get(path, params={"period": period}))
    assert [(e["period"], e["edition"]) for e in body["editions"]] == [(period, 1)]
    assert {row["subject_id"]: Decimal(row["total"]) for row in body["rows"]} == expected
    for row in body["rows"]:
        for amount in row["amounts"]:  # every amount names the sheet line it comes from
            sheet = ok(scoring.get(amount["sheet"]))
            line = next(m for m in sheet["money"] if m["rule_id"] == amount["rule_id"])
            assert line["amount"] == amount["amount"]

    response = scoring.get(path, params={"period": period, "format": "xlsx"})
    assert response.status_code == 200, response.text
    cells = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True
    )]  # fmt: skip
    text = "\n".join(str(c) for r in cells for c in r if c is not None)
    assert f"{street['scheme_id']}（第1版）" in text
    assert f"{period} 第1版" in text
    assert "生成时间" in text
    at = next(i for i, r in enumerate(cells) if r[0] == "序号")
    total = cells[at].index("合计（元）")
    found = {r[2]: Decimal(str(r[total])) for r in cells[at + 1 :] if r[2]}
    assert found == expected
    assert cells[-1][1] == "合计"
    assert Decimal(str(cells[-1][total])) == sum(expected.values())

    raw = scoring.get(path, params={"period": period, "format": "csv"}).content
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    assert {r[2]: Decimal(r[total]) for r in rows[start + 1 :] if r[2]} == expected

    quarter = f"{period[:4]}-Q{(int(period[5:]) - 1) // 3 + 1}"
    waiting = scoring.get(path, params={"period": quarter})
    assert waiting.status_code == 409  # the quarter's other months are not published
    assert f"period {quarter}" in waiting.json()["detail"]


def test_the_bulletin_is_published_once_and_reads_in_every_format(api, street):  # noqa: F811
    scoring = api("scoring", street["tenant"].admin)
    base = f"/schemes/{street['scheme_id']}/bulletins"
    period = street["period"]
    first = scoring.post(base, json={"period": period})
    assert first.status_code == 201, first.text
    again = scoring.post(base, json={"period": period})
    assert again.status_code == 200
    assert again.json() == first.json()
    bulletin = first.json()
    assert bulletin["edition"] == 1
    w3 = street["workers"]["W3"]
    assert [(n["flag"], n["subjects"]) for n in bulletin["notices"]] == [("yellow_card", [w3])]
    # No scored indicator: everyone ranks first, and no red or black list names anyone.
    assert (bulletin["red"], bulletin["black"]) == ([], [])

    html = scoring.get(f"{base}/{period}", params={"format": "html"})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "<script" not in html.text.lower()
    named = next(s["subject_name"] for s in bulletin["standings"] if s["subject_id"] == w3)
    for expected in ("排名通报", "黄牌警告", named, f"{period} 考核结果第1版", "发布时间"):
        assert expected in html.text, expected
    pdf = scoring.get(f"{base}/{period}", params={"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = scoring.get(f"{base}/{period}", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    text = "\n".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert "黄牌警告" in text
    assert f"{street['scheme_id']}（第1版）" in text

    # Posted inside the township: the worker reads it too.
    worker = api("scoring", street["logins"]["W1"])
    assert worker.get(f"{base}/{period}").status_code == 200
    assert worker.post(base, json={"period": period}).status_code == 403


def test_tenant_b_sees_none_of_it(api, tenant_b, street):  # noqa: F811
    scoring = api("scoring", street["tenant"].admin)
    base = f"/schemes/{street['scheme_id']}"
    period = street["period"]
    scoring.post(f"{base}/bulletins", json={"period": period})  # published (201 or 200)
    other = api("scoring", tenant_b.admin)
    for path, params in (
        (f"{base}/payroll", {"period": period}),
        (f"{base}/payroll", {"period": period, "format": "xlsx"}),
        (f"{base}/bulletins", {}),
        (f"{base}/bulletins/{period}", {}),
        (f"{base}/bulletins/{period}", {"format": "pdf"}),
    ):
        assert other.get(path, params=params).status_code == 404, path
    assert other.post(f"{base}/bulletins", json={"period": period}).status_code == 404
