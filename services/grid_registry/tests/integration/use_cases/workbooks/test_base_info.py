"""The base-information importer and exporter at the use-case level, on the real FerretDB:
a dry run answers the real import's report and writes nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from services.grid_registry.documents.base_info import BaseInfoSnapshotDocument
from services.grid_registry.tests.integration.use_cases.workbooks.support import (
    TENANT,
    context,
    dry_then_real,
    make_division,
    make_grid,
    outcomes,
    problems,
    workbook,
)
from services.grid_registry.use_cases import base_info as base_info_cases
from services.grid_registry.use_cases.workbooks import export_base_info, import_base_info

pytestmark = pytest.mark.integration

HEADERS = ("网格编码", "类别", "子类", "应采集数", "已采集数", "已核实数", "统计日期")


def recorded() -> int:
    return sum(len(doc.outbox) for doc in BaseInfoSnapshotDocument.objects(tenant_id=TENANT))


@pytest.fixture
def grid(fresh_db):
    grid_id = make_grid(make_division("D1"), "G1", 120.10)
    base_info_cases.record_figures(
        context(),
        grid_id=grid_id,
        category="population",
        sub_category="floating",
        expected=100,
        collected=90,
        verified=80,
        as_of=date(2026, 1, 10),
    )
    return grid_id


@pytest.mark.usefixtures("grid")
def test_a_dry_run_answers_the_real_imports_report_and_writes_nothing():
    data = workbook(
        HEADERS,
        ("G1", "population", "floating", 100, 90, 80, "2026/01/10"),
        ("G1", "服务对象", "独居老人", 12, 12, 12, "2026-03-31"),
        ("G1", "出租房屋", "承租人员", 40, 30, 31, "2026-03-31"),
        ("G5", "实有人口", "境外人员", 3, 3, 3, "2026-03-31"),
        ("G1", "特殊人群", "社区矫正人员", 2, 2, 2, "2026-03-31"),
        ("G1", "特殊人群", "community_correction", 2, 2, 1, "2026-03-31"),
        ("G1", "实有人口", "户籍人口", 900, 850, 800, "2026-03-31"),
        ("G1", "服务对象", "外卖骑手", 1, 1, 1, "2026-03-31"),
    )

    _, real = dry_then_real(import_base_info, data)

    assert outcomes(real) == [
        ("G1", "unchanged"),
        ("G1", "created"),
        ("G1", "rejected"),
        ("G5", "rejected"),
        ("G1", "rejected"),
        ("G1", "rejected"),
        ("G1", "created"),
        ("G1", "rejected"),
    ]
    found = problems(real)
    assert [column for column, _ in found[4]] == ["已核实数"]
    assert found[5] == [("网格编码", "没有这个网格 / no such grid in the tenant")]
    assert [column for column, _ in found[6]] == [column for column, _ in found[7]] == ["网格编码"]
    assert [column for column, _ in found[9]] == ["子类"]
    assert recorded() == 3


@pytest.mark.usefixtures("grid")
def test_recording_a_date_again_with_other_figures_replaces_it():
    data = workbook(HEADERS, ("G1", "实有人口", "流动人口", 100, 92, 85, "2026-01-10"))

    _, real = dry_then_real(import_base_info, data)
    _, again = dry_then_real(import_base_info, data)

    assert outcomes(real) == [("G1", "updated")]
    assert outcomes(again) == [("G1", "unchanged")]
    assert BaseInfoSnapshotDocument.objects(tenant_id=TENANT).count() == 1
    assert recorded() == 2


@pytest.mark.usefixtures("grid")
def test_the_export_imports_back_unchanged():
    exported = export_base_info(context(), as_of=date(2026, 2, 28))

    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert exported.name == "base-info"
    assert [row[:6] for row in rows] == [HEADERS[:6], ("G1", "实有人口", "流动人口", 100, 90, 80)]
    _, again = dry_then_real(import_base_info, exported.data)
    assert outcomes(again) == [("G1", "unchanged")]
    assert recorded() == 1
    _, as_b = dry_then_real(import_base_info, exported.data, context("tenant-b"))
    assert outcomes(as_b) == [("G1", "rejected")]
