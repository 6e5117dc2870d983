"""The divisions importer and exporter at the use-case level, on the real FerretDB: a dry run
answers the real import's report and writes nothing; every row goes through its use case."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.tests.integration.use_cases.workbooks.support import (
    TENANT,
    context,
    counted,
    dry_then_real,
    events,
    outcomes,
    problems,
    workbook,
)
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases.workbooks import export_divisions, import_divisions

pytestmark = pytest.mark.integration

HEADERS = ("村社区编码", "村社区名称", "类型")


@pytest.fixture
def divisions(fresh_db):
    ctx = context()
    division_cases.create_division(ctx, code="HP", name="和平村", kind="village")
    division_cases.create_division(ctx, code="XF", name="幸福村", kind="village")


@pytest.mark.usefixtures("divisions")
def test_a_dry_run_answers_the_real_imports_report_and_writes_nothing():
    data = workbook(
        HEADERS,
        ("XF", "幸福社区", "社区"),
        ("HP", "和平村", "village"),
        ("QS", "青山村", "村"),
        ("LS", "绿水", "街道"),
        ("QS2", "", "村"),
        ("HX", "红星村", "村"),
        ("HX", "红星社区", "社区"),
        ("和 平", "坏编码", "村"),
    )

    _, real = dry_then_real(import_divisions, data)

    assert outcomes(real) == [
        ("XF", "updated"),
        ("HP", "unchanged"),
        ("QS", "created"),
        ("LS", "rejected"),
        ("QS2", "rejected"),
        ("HX", "rejected"),
        ("HX", "rejected"),
        ("和 平", "rejected"),
    ]
    assert {number: [c for c, _ in found] for number, found in problems(real).items()} == {
        5: ["类型"],
        6: ["村社区名称"],
        7: ["村社区编码"],
        8: ["村社区编码"],
        9: ["村社区编码"],
    }
    xf = DivisionDocument.objects(tenant_id=TENANT, code="XF").get()
    assert (xf.name, xf.kind.value) == ("幸福社区", "community")
    assert events(DivisionDocument) == sorted(["division.created"] * 3 + ["division.updated"])


@pytest.mark.usefixtures("divisions")
def test_each_row_is_counted_once_by_sheet_outcome_and_mode():
    data = workbook(HEADERS, ("HP", "和平村", "村"), ("QS", "青山村", "村"), ("LS", "绿水", "街道"))
    keys = [(o, m) for o in ("created", "unchanged", "rejected") for m in ("dry_run", "applied")]
    before = {key: counted("divisions", *key) for key in keys}

    dry_then_real(import_divisions, data)

    assert {key: counted("divisions", *key) - before[key] for key in keys} == dict.fromkeys(keys, 1)


@pytest.mark.usefixtures("divisions")
def test_the_export_imports_back_unchanged_and_stays_in_its_tenant():
    exported = export_divisions(context())

    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert exported.name == "divisions"
    assert list(sheet.iter_rows(values_only=True)) == [
        HEADERS,
        ("HP", "和平村", "村"),
        ("XF", "幸福村", "村"),
    ]
    landed = events(DivisionDocument)
    _, again = dry_then_real(import_divisions, exported.data)
    assert outcomes(again) == [("HP", "unchanged"), ("XF", "unchanged")]
    assert events(DivisionDocument) == landed
    other = load_workbook(io.BytesIO(export_divisions(context("tenant-b")).data)).active
    assert list(other.iter_rows(values_only=True)) == [HEADERS]
