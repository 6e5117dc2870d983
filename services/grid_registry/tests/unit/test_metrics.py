"""grid_registry's own metrics: names with units, bounded labels only."""

from __future__ import annotations

from typing import get_args

import pytest

from services.grid_registry import metrics
from services.grid_registry.use_cases.workbooks.common import Sheet


def test_import_rows_are_counted_by_sheet_outcome_and_mode_only():
    metrics.IMPORT_ROWS.labels(sheet="grids", outcome="created", mode="applied").inc(0)

    [family] = metrics.IMPORT_ROWS.collect()

    assert family.type == "counter"
    assert {sample.name for sample in family.samples} >= {"gridgov_registry_import_rows_total"}
    assert {frozenset(sample.labels) for sample in family.samples} == {
        frozenset({"sheet", "outcome", "mode"})
    }
    # Nothing unbounded (no tenant, grid or row) can be a label.
    with pytest.raises(ValueError, match="label"):
        metrics.IMPORT_ROWS.labels(sheet="grids", outcome="created", mode="applied", grid="G1")
    assert set(get_args(Sheet)) == {"divisions", "grids", "teams", "base_info"}
