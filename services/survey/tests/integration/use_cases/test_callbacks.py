"""The 12345 callback results import on the real FerretDB: where each work order lands
(intake's attachment, the closed event, the grid code), per-row and per-column problems, dry
runs, re-runs that change nothing, corrections that publish once, CSV in GB18030."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.survey.documents.callbacks import CallbackDocument
from services.survey.domain.callbacks import Origin, Outcome
from services.survey.domain.closed_events import EVENT_CLOSED, apply_message
from services.survey.use_cases import callbacks as use_cases
from services.survey.use_cases.context import SurveyContext
from shared.errors import InvalidInput
from shared.events.envelope import Envelope
from shared.registry.testing import seed_registry, square
from shared.testing.workbooks import xlsx
from shared.workbooks import ImportReport, RowOutcome

pytestmark = pytest.mark.integration

TENANT = "tenant-a"
NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
HEADER = ("工单编号", "回访结果", "回访时间", "网格编码", "事项编号", "来电人", "联系电话")


def ctx(tenant: str = TENANT) -> SurveyContext:
    return SurveyContext(
        tenant_id=tenant, actor="u-centre", roles=frozenset({"center-staff"}), clock=lambda: NOW
    )


@pytest.fixture
def tenant(fresh_db) -> SurveyContext:
    """Two grids with a worker each; intake recorded GD-INTAKE in g-1 and closed event e-7 in
    g-2."""
    seed_registry(
        TENANT,
        grids=[
            ("g-1", "div-1", "HP-01", square(120.0, 31.7), date(2026, 1, 1)),
            ("g-2", "div-2", "HP-02", square(120.02, 31.7), date(2026, 1, 1)),
        ],
        teams={
            "g-1": [("u-w1", "full_time_worker", date(2026, 1, 1), None)],
            "g-2": [("u-w2", "full_time_worker", date(2026, 1, 1), None)],
        },
    )
    context = ctx()
    use_cases.record_from_intake(
        context,
        state={
            "work_order_no": "GD-INTAKE",
            "event_id": "e-1",
            "grid_id": "g-1",
            "division_id": "div-1",
            "outcome": "unreachable",
            "called_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        },
        occurred_at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
        message_id="m-intake",
    )
    closed_at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    entry = apply_message(
        None,
        type_=EVENT_CLOSED,
        state={
            "event_id": "e-7",
            "grid_id": "g-2",
            "division_id": "div-2",
            "source": "hotline_12345",
            "category": "city_management",
            "closed_at": closed_at,
        },
        occurred_at=closed_at,
        message_id="m-closed",
    )
    assert entry is not None
    context.closed_events.record(entry)
    return context


def rows(report: ImportReport) -> list[tuple[int, str, list[str | None]]]:
    return [
        (row.number, row.outcome.value, [problem.column for problem in row.problems])
        for row in report.rows
    ]


def outbox(work_order_no: str) -> list[Envelope]:
    doc = CallbackDocument.objects(tenant_id=TENANT, pk=f"{TENANT}|{work_order_no}").get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


GOOD = [
    # Known from intake: no grid code needed, intake's event and grid are kept.
    ("GD-INTAKE", "满意", "2026-03-05 10:00", None, None, "张三", "13800000000"),
    # Placed by the closed event its 事项编号 names.
    ("GD-EVENT", "基本满意", "2026-03-06 10:00", None, "e-7", "李四", "13900000000"),
    # Placed by its grid code.
    ("GD-CODE", "不满意", "2026/03/07 10:00", "HP-01", None, None, None),
    ("GD-UNREACHED", "联系不上", "2026-03-08 10:00", "HP-02", None, None, None),
]


def test_each_work_order_lands_where_it_belongs(tenant):
    report = use_cases.import_results(tenant, data=xlsx(HEADER, *GOOD), filename="回访.xlsx")
    assert rows(report) == [
        (2, "updated", []),
        (3, "created", []),
        (4, "created", []),
        (5, "created", []),
    ]
    found = {no: tenant.callbacks.find(no) for no in ("GD-INTAKE", "GD-EVENT", "GD-CODE")}
    intake, by_event, by_code = found["GD-INTAKE"], found["GD-EVENT"], found["GD-CODE"]
    assert intake is not None
    assert by_event is not None
    assert by_code is not None
    assert (intake.event_id, intake.grid_id, intake.attached_by, intake.origin) == (
        "e-1",
        "g-1",
        Origin.INTAKE,
        Origin.IMPORT,
    )
    assert (intake.outcome, intake.called_at) == (
        Outcome.SATISFIED,
        datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
    )
    assert (by_event.event_id, by_event.grid_id, by_event.division_id, by_event.worker_id) == (
        "e-7",
        "g-2",
        "div-2",
        "u-w2",
    )
    assert (by_code.event_id, by_code.grid_id, by_code.worker_id, by_code.outcome) == (
        None,
        "g-1",
        "u-w1",
        Outcome.UNSATISFIED,
    )
    # The caller's name and number were never read, so never stored or published.
    stored = str(list(CallbackDocument.objects(tenant_id=TENANT).as_pymongo()))
    assert "13800000000" not in stored
    assert "张三" not in stored
    assert [e.payload["outcome"] for e in outbox("GD-INTAKE")] == ["unreachable", "satisfied"]


def test_importing_again_changes_nothing_and_a_correction_publishes_once(tenant):
    data = xlsx(HEADER, *GOOD)
    use_cases.import_results(tenant, data=data)
    again = use_cases.import_results(tenant, data=data)
    assert again.count(RowOutcome.UNCHANGED) == 4
    assert len(outbox("GD-CODE")) == 1

    corrected = [(*GOOD[2][:1], "满意", *GOOD[2][2:])]
    report = use_cases.import_results(tenant, data=xlsx(HEADER, *corrected))
    assert rows(report) == [(2, "updated", [])]
    assert [e.payload["outcome"] for e in outbox("GD-CODE")] == ["unsatisfied", "satisfied"]
    assert (
        use_cases.import_results(tenant, data=xlsx(HEADER, *corrected)).count(RowOutcome.UNCHANGED)
        == 1
    )
    # An older call of the work order changes nothing.
    older = [("GD-CODE", "不满意", "2026-03-06 10:00", "HP-01", None, None, None)]
    assert rows(use_cases.import_results(tenant, data=xlsx(HEADER, *older))) == [
        (2, "unchanged", [])
    ]


def test_a_dry_run_reports_the_same_and_writes_nothing(tenant):
    data = xlsx(HEADER, *GOOD)
    dry = use_cases.import_results(tenant.as_dry_run(), data=data)
    assert dry.dry_run is True
    assert rows(dry) == [
        (2, "updated", []),
        (3, "created", []),
        (4, "created", []),
        (5, "created", []),
    ]
    assert tenant.callbacks.find("GD-CODE") is None
    kept = tenant.callbacks.find("GD-INTAKE")
    assert kept is not None
    assert kept.outcome is Outcome.UNREACHABLE


def test_problems_are_reported_per_row_and_column(tenant):
    bad = [
        ("GD-NEW", "满意", "2026-03-05 10:00", None, None, None, None),  # no grid known
        ("GD-X", "满意", "2026-03-05 10:00", "NOPE", None, None, None),  # unknown code
        ("GD-Y", "很好", "2026-03-05 10:00", "HP-01", None, None, None),  # not an outcome
        ("GD-Z", "满意", "明天", "HP-01", None, None, None),  # not a time
        ("GD-F", "满意", "2026-03-25 10:00", "HP-01", None, None, None),  # in the future
        (None, "满意", "2026-03-05 10:00", "HP-01", None, None, None),  # no number
        ("GD-D", "满意", "2026-03-05 10:00", "HP-01", None, None, None),  # twice at one time
        ("GD-D", "不满意", "2026-03-05 10:00", "HP-01", None, None, None),
        # An unknown 事项编号 with a code: placed by the code, the number kept as given.
        ("GD-E", "满意", "2026-03-05 10:00", "HP-02", "e-unknown", None, None),
    ]
    report = use_cases.import_results(tenant, data=xlsx(HEADER, *bad))
    assert rows(report) == [
        (2, "rejected", ["网格编码"]),
        (3, "rejected", ["网格编码"]),
        (4, "rejected", ["回访结果"]),
        (5, "rejected", ["回访时间"]),
        (6, "rejected", ["回访时间"]),
        (7, "rejected", ["工单编号"]),
        (8, "rejected", ["工单编号"]),
        (9, "rejected", ["工单编号"]),
        (10, "created", []),
    ]
    kept = tenant.callbacks.find("GD-E")
    assert kept is not None
    assert (kept.event_id, kept.grid_id) == ("e-unknown", "g-2")
    for number in ("GD-NEW", "GD-X", "GD-Y", "GD-Z", "GD-F", "GD-D"):
        assert tenant.callbacks.find(number) is None


def test_a_file_without_a_required_column_imports_nothing(tenant):
    with pytest.raises(InvalidInput) as refused:
        use_cases.import_results(tenant, data=xlsx(("工单编号", "回访结果"), ("GD1", "满意")))
    assert refused.value.field == "file"
    assert "回访时间" in refused.value.reason


def test_two_calls_of_one_work_order_in_a_file_keep_the_later(tenant):
    two = [
        ("GD-2", "满意", "2026-03-09 10:00", "HP-01", None, None, None),
        ("GD-2", "未接通", "2026-03-08 10:00", "HP-01", None, None, None),
    ]
    report = use_cases.import_results(tenant, data=xlsx(HEADER, *two))
    # Landed in call order: the unreachable call first, then the later one replaced it.
    assert rows(report) == [(2, "updated", []), (3, "created", [])]
    kept = tenant.callbacks.find("GD-2")
    assert kept is not None
    assert kept.outcome is Outcome.SATISFIED
    assert len(outbox("GD-2")) == 2


def gb18030_csv(records: list[tuple[Any, ...]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    for record in records:
        writer.writerow(["" if cell is None else cell for cell in record])
    return text.getvalue().encode("gb18030")


def test_a_gb18030_csv_imports_like_the_workbook(tenant):
    report = use_cases.import_results(tenant, data=gb18030_csv(GOOD), filename="回访.CSV")
    assert [row.outcome for row in report.rows] == [
        RowOutcome.UPDATED,
        RowOutcome.CREATED,
        RowOutcome.CREATED,
        RowOutcome.CREATED,
    ]
    again = use_cases.import_results(tenant, data=xlsx(HEADER, *GOOD), filename="回访.xlsx")
    assert again.count(RowOutcome.UNCHANGED) == 4


def test_an_import_then_intake_attaches_the_work_order_to_its_event(tenant):
    use_cases.import_results(
        tenant,
        data=xlsx(HEADER, ("GD-LATE", "满意", "2026-03-10 10:00", "HP-02", None, None, None)),
    )
    changed = use_cases.record_from_intake(
        tenant,
        state={
            "work_order_no": "GD-LATE",
            "event_id": "e-late",
            "grid_id": "g-1",
            "division_id": "div-1",
            "outcome": "unsatisfied",
            "called_at": datetime(2026, 3, 9, 2, 0, tzinfo=UTC),
        },
        occurred_at=NOW - timedelta(hours=1),
        message_id="m-late",
    )
    assert changed is True
    kept = tenant.callbacks.find("GD-LATE")
    assert kept is not None
    # Intake's place, the import's later outcome.
    assert (kept.event_id, kept.grid_id, kept.worker_id, kept.outcome) == (
        "e-late",
        "g-1",
        "u-w1",
        Outcome.SATISFIED,
    )
    assert [e.payload["event_id"] for e in outbox("GD-LATE")] == [None, "e-late"]


def test_tenants_stay_apart(tenant):
    use_cases.import_results(tenant, data=xlsx(HEADER, *GOOD))
    other = ctx("tenant-b")
    # Tenant B's registry has no HP-01, and knows none of A's work orders.
    report = use_cases.import_results(other, data=xlsx(HEADER, GOOD[2]))
    assert rows(report) == [(2, "rejected", ["网格编码"])]
    assert other.callbacks.find("GD-CODE") is None
    assert other.callbacks.list_callbacks(offset=0, limit=10).total == 0
