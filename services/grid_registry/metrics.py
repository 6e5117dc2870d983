"""grid_registry's own Prometheus metrics (the platform's RED and outbox metrics come from
`shared`). Labels bounded: `sheet` is one of the four importers, `outcome` a `RowOutcome`,
`mode` whether the rows were written. Never a tenant, grid or row."""

from __future__ import annotations

from prometheus_client import Counter

IMPORT_ROWS = Counter(
    "gridgov_registry_import_rows_total",
    "Workbook rows imported, by sheet (divisions, grids, teams, base_info), outcome (created, "
    "updated, unchanged, rejected) and mode (dry_run: reported only, applied: written)",
    ["sheet", "outcome", "mode"],
)
