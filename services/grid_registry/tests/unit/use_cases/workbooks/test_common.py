"""What the importers share, without I/O: the report in the context's mode (each row counted
once), duplicate keys, domain problems named by the column the user typed in."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.workbooks import common
from shared.errors import FieldProblem, InvalidInput
from shared.workbooks import Row, RowOutcome, RowProblem, RowReport

CTX = RegistryContext(tenant_id="t-1", actor="u-1")


def counted(sheet: str, outcome: str, mode: str) -> float:
    labels = {"sheet": sheet, "outcome": outcome, "mode": mode}
    return REGISTRY.get_sample_value("gridgov_registry_import_rows_total", labels) or 0.0


def test_the_report_takes_the_contexts_mode_and_counts_each_row_once():
    rows = [
        RowReport(number=2, outcome=RowOutcome.CREATED, key="A"),
        RowReport(number=3, outcome=RowOutcome.CREATED, key="B"),
        RowReport(number=4, outcome=RowOutcome.REJECTED, key="C"),
    ]
    keys = [(o, m) for o in ("created", "rejected", "updated") for m in ("dry_run", "applied")]
    before = {key: counted("teams", *key) for key in keys}

    dry = common.report(CTX.as_dry_run(), "teams", rows)
    real = common.report(CTX, "teams", iter(rows))

    assert (dry.dry_run, real.dry_run) == (True, False)
    assert dry.rows == real.rows == tuple(rows)
    assert {key: counted("teams", *key) - before[key] for key in keys} == {
        ("created", "dry_run"): 2,
        ("created", "applied"): 2,
        ("rejected", "dry_run"): 1,
        ("rejected", "applied"): 1,
        ("updated", "dry_run"): 0,
        ("updated", "applied"): 0,
    }


def test_every_copy_of_a_duplicated_key_is_found():
    assert common.duplicates({2: "A", 3: "B", 4: "A", 5: ("A", 1), 6: ("A", 1)}) == {2, 4, 5, 6}
    assert common.duplicates({}) == set()


def test_domain_problems_land_on_the_column_of_their_root_field():
    headers = {"boundary": "边界GeoJSON", "code": "网格编码"}
    exc = InvalidInput(
        [
            FieldProblem("code", "too long"),
            FieldProblem("boundary.coordinates[0][3]", "not a position"),
            FieldProblem("valid_from", "in the future"),
        ]
    )

    assert common.problems(exc, headers) == (
        RowProblem("网格编码", "too long"),
        RowProblem("边界GeoJSON", "boundary.coordinates[0][3]: not a position"),
        RowProblem(None, "in the future"),
    )


def test_a_rejected_row_keeps_its_number_key_and_problems():
    row = Row(number=7, values={"code": "A"})

    rejected = common.rejected(row, [common.duplicate_problem("网格编码")], "A")

    assert (rejected.number, rejected.outcome, rejected.key) == (7, RowOutcome.REJECTED, "A")
    assert [p.column for p in rejected.problems] == ["网格编码"]
