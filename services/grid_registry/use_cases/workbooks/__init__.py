"""Excel import and export, one module per sheet (`divisions`, `grids`, `teams`, `base_info`)
and what they share (`common`).

Every import answers one `ImportReport` and takes its mode from the context: given a dry-run
context (`RegistryContext.as_dry_run()`) it runs exactly the same path, each row through its
use case once, and its repositories store nothing; so a dry run answers what the real import
will, rows that depend on earlier rows of the file included. Rows are independent and each
lands whole or not at all: one row is one document write carrying its own outbox event (a grid
row that renames and re-draws, two), so a failure in row 40 leaves rows 1-39 imported and row
40 untouched ("nothing half-imported"). Duplicate keys inside one workbook reject every row
carrying the key. Each export writes the import layout, so it imports back unchanged.
"""

from services.grid_registry.use_cases.workbooks.base_info import export_base_info, import_base_info
from services.grid_registry.use_cases.workbooks.common import Export
from services.grid_registry.use_cases.workbooks.divisions import export_divisions, import_divisions
from services.grid_registry.use_cases.workbooks.grids import export_grids, import_grids
from services.grid_registry.use_cases.workbooks.teams import export_teams, import_teams

__all__ = [
    "Export",
    "export_base_info",
    "export_divisions",
    "export_grids",
    "export_teams",
    "import_base_info",
    "import_divisions",
    "import_grids",
    "import_teams",
]
