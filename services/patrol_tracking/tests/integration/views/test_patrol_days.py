"""The patrol summaries in process, on the real FerretDB: the daily table with its filters and
paging, the Excel export, a worker's month against a hand count, the live board, and the
walls between workers, roles and tenants."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.patrol_tracking.domain.compliance import (
    SEED_001_COMMUNITY,
    DayVerdict,
    VerdictStatus,
    judge_day,
)
from services.patrol_tracking.domain.day import DayState, LastFix
from services.patrol_tracking.domain.intake import patrol_day
from services.patrol_tracking.domain.patrol_days import Assignment, Judgement, PatrolDay
from services.patrol_tracking.domain.track import Fix, to_ms
from services.patrol_tracking.repository.patrol_days import FinalisationMarks, PatrolDayRepository
from services.patrol_tracking.views.patrol_days import blp
from shared.access import AccountStates
from shared.access.repository import user_key

pytestmark = pytest.mark.integration

WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "u-w2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
INSPECTOR = {"subject": "u-insp", "tenant_id": "tenant-a", "roles": ("inspector",)}
LEADER = {"subject": "u-lead", "tenant_id": "tenant-a", "roles": ("grid-leader",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
JUDGED_AT = datetime(2026, 4, 1, 18, 0, tzinfo=UTC)
HOUR_MS = 3_600_000


@pytest.fixture
def api(api_client):
    """The summaries API; u-w1 and u-w2 are tenant A's users."""
    accounts = AccountStates("tenant-a")
    for user_id in ("u-w1", "u-w2"):
        accounts.record(
            user_key(user_id),
            revoked=False,
            changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            event_id=f"invited-{user_id}",
        )
    return api_client([blp])


def state_of(
    day: date,
    *,
    hours: float = 0,
    metres: float = 0,
    last_fix_at: datetime | None = None,
    afternoon: bool = True,
) -> DayState:
    """A fold of ``hours`` of patrol and ``metres`` of track in one session from 09:00."""
    if hours == 0:
        return DayState.start(day)
    start = to_ms(datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC))  # 09:00 Shanghai
    patrol_ms = int(hours * HOUR_MS)
    end = start + patrol_ms
    fix_ms = end if last_fix_at is None else to_ms(last_fix_at)
    return DayState(
        day=day,
        last=LastFix(Fix(fix_ms, 30.27, 120.15), own=True),
        horizon=(fix_ms, "p-last"),
        sessions=1,
        patrol_ms=patrol_ms,
        distance_m=metres,
        own_grid_ms=patrol_ms,
        own_grid_m=metres,
        morning=True,
        afternoon=afternoon,
        points_accepted=int(hours * 120) + 1,
        points_rejected=2,
        online=((start, end),),
    )


def store(
    worker_id: str,
    day: date,
    *,
    tenant_id: str = "tenant-a",
    hours: float = 0,
    metres: float = 0,
    grid: str = "g-1",
    division: str = "d-1",
    judged: bool = True,
    verdict: DayVerdict | None = None,
    last_fix_at: datetime | None = None,
    afternoon: bool = True,
) -> PatrolDay:
    """A worker-day written through the repository: folded, and judged by seed 001's
    community rules (or ``verdict``) when ``judged``."""
    state = state_of(day, hours=hours, metres=metres, last_fix_at=last_fix_at, afternoon=afternoon)
    patrol = PatrolDay.start(tenant_id, worker_id, day).with_state(
        state, assignment_seen=(grid,), subjects_seen=""
    )
    if judged:
        found = verdict or judge_day(state.figures(), SEED_001_COMMUNITY, workday=True, excuse=None)
        patrol, _ = patrol.judged(
            Judgement(
                assignment=Assignment((grid,), (division,), "community"),
                workday=found.status is not VerdictStatus.REST_DAY,
                verdict=found,
                leave_id=None,
                at=JUDGED_AT,
            )
        )
    return PatrolDayRepository(tenant_id).write(patrol)


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def listed(api, query: str = "", as_user=CENTRE) -> list[tuple[str, str, str]]:
    response = api.get(f"/days?page_size=200{query}", as_user=as_user)
    assert response.status_code == 200, response.get_json()
    return [
        (item["day"], item["worker_id"], item["status"]) for item in response.get_json()["items"]
    ]


# -- the daily table ---------------------------------------------------------------------------


@pytest.fixture
def march(api):
    """Three days of two workers in March 2026, one in another grid, and tenant B's day."""
    store("u-w1", date(2026, 3, 2), hours=3.5, metres=2_345)  # passed
    store("u-w1", date(2026, 3, 3), hours=1, metres=600)  # failed, short
    store("u-w2", date(2026, 3, 2), hours=0, grid="g-2", division="d-2")  # not patrolled
    store("u-w2", date(2026, 3, 3), hours=2, metres=1_500, judged=False)  # still open
    store("u-w1", date(2026, 2, 27), hours=4, metres=5_000)
    store("u-b", date(2026, 3, 2), tenant_id="tenant-b", hours=3.5, metres=3_000, grid="g-b")
    return api


def test_the_table_lists_newest_day_first_then_by_worker(march):
    assert listed(march) == [
        ("2026-03-03", "u-w1", "failed"),
        ("2026-03-03", "u-w2", "open"),
        ("2026-03-02", "u-w1", "passed"),
        ("2026-03-02", "u-w2", "not_patrolled"),
        ("2026-02-27", "u-w1", "passed"),
    ]
    first = march.get("/days?page=1&page_size=2", as_user=CENTRE).get_json()
    second = march.get("/days?page=2&page_size=2", as_user=CENTRE).get_json()
    assert (first["total"], first["page"], len(first["items"])) == (5, 1, 2)
    assert [item["day"] for item in second["items"]] == ["2026-03-02", "2026-03-02"]


def test_an_item_carries_the_verdict_and_the_figures(march):
    [item] = march.get("/days?day=2026-03-03&worker_id=u-w1", as_user=CENTRE).get_json()["items"]
    assert (item["status"], item["final"], item["version"], item["short"]) == (
        "failed",
        True,
        1,
        True,
    )
    assert (item["patrol_s"], item["online_s"], item["distance_m"], item["km"]) == (
        3600,
        3600,
        600,
        "0.600",
    )
    assert (item["grid_id"], item["grid_ids"], item["division_id"], item["grid_type"]) == (
        "g-1",
        ["g-1"],
        "d-1",
        "community",
    )
    assert (item["morning"], item["afternoon"], item["sessions"], item["workday"]) == (
        True,
        True,
        1,
        True,
    )
    assert (item["points_accepted"], item["points_rejected"], item["leave_id"]) == (121, 2, None)
    assert item["last_fix_at"].startswith("2026-03-03T02:00:00")
    reasons = {reason["code"]: reason for reason in item["reasons"]}
    assert set(reasons) == {"hours_short", "km_short"}
    assert (reasons["hours_short"]["actual"], reasons["hours_short"]["required"]) == ("60", "180")
    assert (reasons["km_short"]["actual"], reasons["km_short"]["unit"]) == ("0.60", "km")
    assert reasons["km_short"]["message"]

    [open_day] = march.get("/days?status=open", as_user=CENTRE).get_json()["items"]
    assert (open_day["final"], open_day["version"], open_day["short"], open_day["reasons"]) == (
        False,
        0,
        None,
        [],
    )
    # Before its cut-off a day shows the grids its fold was measured against.
    assert (open_day["grid_ids"], open_day["division_id"]) == (["g-1"], None)


def test_each_filter_narrows_by_equality(march):
    assert listed(march, "&day=2026-03-02") == [
        ("2026-03-02", "u-w1", "passed"),
        ("2026-03-02", "u-w2", "not_patrolled"),
    ]
    assert len(listed(march, "&month=2026-03")) == 4
    assert listed(march, "&month=2026-02") == [("2026-02-27", "u-w1", "passed")]
    assert [row[1] for row in listed(march, "&worker_id=u-w2")] == ["u-w2", "u-w2"]
    assert listed(march, "&grid_id=g-2") == [("2026-03-02", "u-w2", "not_patrolled")]
    assert listed(march, "&division_id=d-2") == [("2026-03-02", "u-w2", "not_patrolled")]
    assert listed(march, "&status=failed") == [("2026-03-03", "u-w1", "failed")]
    assert listed(march, "&status=passed&month=2026-03") == [("2026-03-02", "u-w1", "passed")]


def test_bad_filters_are_named(march):
    for query, field in (
        ("month=2026-13", "month"),
        ("month=March", "month"),
        ("status=lazy", "status"),
        ("day=2026-02-30", "day"),
        ("page_size=201", "page_size"),
    ):
        response = march.get(f"/days?{query}", as_user=CENTRE)
        assert response.status_code == 422, query
        assert error_fields(response) == [field], query


def test_a_grid_worker_sees_only_his_own_days(march):
    assert [row[1] for row in listed(march, as_user=WORKER)] == ["u-w1", "u-w1", "u-w1"]
    assert listed(march, "&worker_id=u-w2", as_user=WORKER) == []
    assert march.get("/days?worker_id=u-w2", as_user=WORKER).get_json()["total"] == 0
    assert listed(march, "&grid_id=g-2", as_user=WORKER) == []
    # A grid leader and an inspector read the tenant's days.
    assert len(listed(march, as_user=LEADER)) == 5
    assert len(listed(march, as_user=INSPECTOR)) == 5


def test_tenant_b_sees_nothing_of_tenant_a(march):
    assert listed(march, as_user=TENANT_B) == [("2026-03-02", "u-b", "passed")]
    assert listed(march, "&worker_id=u-w1", as_user=TENANT_B) == []
    assert listed(march, "&grid_id=g-1", as_user=TENANT_B) == []
    assert listed(march, "&grid_id=g-b") == []


# -- the export ---------------------------------------------------------------------------------


def test_the_export_is_a_workbook_of_the_matching_days(march):
    response = march.get("/days/export?month=2026-03", as_user=CENTRE)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for label in ("日期", "网格员", "网格", "状态", "巡查时长(分钟)", "里程(公里)"):
        assert label in header
    for label in ("在线时长(分钟)", "上午", "下午", "原因"):
        assert label in header
    body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(row["网格员"], row["状态"]) for row in body] == [
        ("u-w1", "未达标"),
        ("u-w2", "未定稿"),
        ("u-w1", "达标"),
        ("u-w2", "未巡查"),
    ]
    failed = body[0]
    assert (failed["巡查时长(分钟)"], failed["里程(公里)"], failed["在线时长(分钟)"]) == (
        60,
        0.6,
        60,
    )
    assert (failed["上午"], failed["下午"], failed["网格"]) == ("是", "是", "g-1")
    assert "巡查时长不足" in failed["原因"]
    assert "巡查里程不足" in failed["原因"]
    assert body[2]["里程(公里)"] == 2.345


def test_the_export_refuses_more_rows_than_its_limit(march):
    response = march.get("/days/export?month=2026-03&limit=3", as_user=CENTRE)
    assert response.status_code == 422
    assert error_fields(response) == ["limit"]
    assert march.get("/days/export?limit=0", as_user=CENTRE).status_code == 422
    assert march.get("/days/export?limit=20001", as_user=CENTRE).status_code == 422
    assert march.get("/days/export?month=2026-13", as_user=CENTRE).status_code == 422
    exact = march.get("/days/export?month=2026-03&limit=4", as_user=CENTRE)
    assert exact.status_code == 200


def test_only_the_centre_exports_and_tenant_b_gets_its_own_days(march):
    assert march.get("/days/export", as_user=WORKER).status_code == 403
    assert march.get("/days/export", as_user=INSPECTOR).status_code == 403
    response = march.get("/days/export", as_user=TENANT_B)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["u-b"]


# -- a worker's month ---------------------------------------------------------------------------


@pytest.fixture
def month_of_failures(api):
    """u-w1's March 2026 (every day a workday until the 6th, then the weekend):

    Mon 2 passed (3.5 h, 2.5 km), Tue 3 failed (1 h short), Wed 4 not patrolled, Thu 5 failed
    (3.5 h, 2 km, no afternoon), Fri 6 passed (4 h, 3 km), Mon 9 excused; Fri 27 Feb (the ISO
    week before) failed. Days up to 9 March finalised."""
    store("u-w1", date(2026, 2, 27), hours=1, metres=900)
    store("u-w1", date(2026, 3, 2), hours=3.5, metres=2_500)
    store("u-w1", date(2026, 3, 3), hours=1, metres=1_200)
    store("u-w1", date(2026, 3, 4))
    store("u-w1", date(2026, 3, 5), hours=3.5, metres=2_000, afternoon=False)
    store("u-w1", date(2026, 3, 6), hours=4, metres=3_000)
    store(
        "u-w1",
        date(2026, 3, 9),
        verdict=DayVerdict(day=date(2026, 3, 9), status=VerdictStatus.EXCUSED),
    )
    FinalisationMarks("tenant-a").advance(date(2026, 3, 9))
    return api


def test_the_month_matches_a_hand_count(month_of_failures):
    response = month_of_failures.get("/workers/u-w1/month?month=2026-03", as_user=CENTRE)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["worker_id"], body["month"], body["grid_type"]) == ("u-w1", "2026-03", "community")
    assert body["rules"]["min_patrol_minutes_day"] == 180
    assert body["rules"]["min_km_week"] == "8"
    days = {item["day"]: item for item in body["days"]}
    assert len(days) == 31
    assert [days[f"2026-03-0{n}"]["status"] for n in range(2, 10)] == [
        "passed",
        "failed",
        "not_patrolled",
        "failed",
        "passed",
        "not_judged",  # Sat 7: finalised, no document
        "not_judged",
        "excused",
    ]
    assert (days["2026-03-10"]["status"], days["2026-03-10"]["patrol_s"]) == ("open", 0)
    assert days["2026-03-10"]["km"] == "0.000"
    assert body["open_days"] == 22

    totals = body["totals"]
    assert totals["counts"] == {
        "passed": 2,
        "failed": 2,
        "not_patrolled": 1,
        "short": 1,
        "excused": 1,
        "rest": 0,
        "failing": 3,
        "judged": 5,
    }
    assert (totals["failing_days"], totals["longest_failing_streak"]) == (3, 3)
    assert totals["forfeits_subsidy"] is True
    # 3.5 + 1 + 0 + 3.5 + 4 hours; 2.5 + 1.2 + 2 + 3 km (27 Feb is February's).
    assert (totals["patrol_s"], totals["distance_m"], totals["km"]) == (12 * 3600, 8_700, "8.70")

    weeks = {week["week"]: week for week in body["weeks"]}
    assert sorted(weeks) == ["2026-W09", "2026-W10", "2026-W11"]
    w09, w10, w11 = weeks["2026-W09"], weeks["2026-W10"], weeks["2026-W11"]
    assert (w09["first_day"], w09["counts"]["failed"], w09["patrol_s"]) == ("2026-02-23", 1, 3600)
    assert (w09["required_minutes"], w09["required_km"]) == (216, "1.60")  # 1 day of 5
    assert (w10["patrol_s"], w10["distance_m"], w10["counts"]["judged"]) == (43_200, 8_700, 5)
    assert (w10["required_minutes"], w10["required_km"], w10["requirement_met"]) == (
        1080,
        "8.00",
        False,
    )
    assert [reason["code"] for reason in w10["reasons"]] == ["week_hours_short"]
    assert (w11["counts"]["excused"], w11["required_minutes"], w11["reasons"]) == (1, 0, [])


def test_a_passed_day_breaks_the_streak(api):
    for day in (2, 3, 5, 6):  # failing Mon, Tue, passed Wed... then failing Thu, Fri
        store("u-w1", date(2026, 3, day), hours=1, metres=500)
    store("u-w1", date(2026, 3, 4), hours=4, metres=3_000)
    totals = api.get("/workers/u-w1/month?month=2026-03", as_user=CENTRE).get_json()["totals"]
    assert (totals["failing_days"], totals["longest_failing_streak"]) == (4, 2)
    assert totals["forfeits_subsidy"] is False


def test_who_reads_whose_month(month_of_failures):
    api = month_of_failures
    assert api.get("/workers/u-w1/month?month=2026-03", as_user=WORKER).status_code == 200
    assert api.get("/workers/u-w1/month?month=2026-03", as_user=LEADER).status_code == 200
    assert api.get("/workers/u-w1/month?month=2026-03", as_user=INSPECTOR).status_code == 200
    # Another worker's month, an unknown id and tenant B: not found, all alike.
    assert api.get("/workers/u-w1/month?month=2026-03", as_user=OTHER_WORKER).status_code == 404
    assert api.get("/workers/u-nobody/month", as_user=CENTRE).status_code == 404
    assert api.get("/workers/u-w1/month?month=2026-03", as_user=TENANT_B).status_code == 404


def test_a_bad_or_future_month_is_named(month_of_failures):
    for month in ("2026-13", "2026-3", "26-03"):
        response = month_of_failures.get(f"/workers/u-w1/month?month={month}", as_user=CENTRE)
        assert response.status_code == 422, month
        assert error_fields(response) == ["month"]
    today = patrol_day(datetime.now(UTC))
    following = (today.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    response = month_of_failures.get(f"/me/month?month={following}", as_user=WORKER)
    assert response.status_code == 422
    assert error_fields(response) == ["month"]


def test_the_phone_reads_its_own_current_month(api):
    today = patrol_day(datetime.now(UTC))
    store("u-w1", today, hours=1, metres=700, judged=False)
    store("u-w2", today, hours=2, metres=900, judged=False)
    response = api.get("/me/month", as_user=WORKER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["worker_id"], body["month"]) == ("u-w1", today.strftime("%Y-%m"))
    assert [item["day"] for item in body["days"]][-1] == today.isoformat()
    assert len(body["days"]) == today.day
    assert (body["days"][-1]["status"], body["days"][-1]["distance_m"]) == ("open", 700)
    assert body["totals"]["counts"]["judged"] == 0
    assert body["weeks"] == []
    assert api.get("/me/month", as_user=CENTRE).status_code == 403


# -- who is patrolling now ----------------------------------------------------------------------


def test_the_live_board_shows_recent_fixes_of_today_only(api):
    now = datetime.now(UTC)
    today = patrol_day(now)
    store("u-w1", today, hours=1, metres=800, judged=False, last_fix_at=now - timedelta(minutes=5))
    store("u-w2", today, hours=1, metres=900, judged=False, last_fix_at=now - timedelta(minutes=40))
    store("u-w3", today, judged=False)  # no fix at all
    store(
        "u-b",
        today,
        tenant_id="tenant-b",
        hours=1,
        metres=300,
        judged=False,
        last_fix_at=now - timedelta(minutes=1),
    )
    response = api.get("/patrols/live", as_user=CENTRE)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["day"], body["within_minutes"], body["total"]) == (today.isoformat(), 15, 1)
    [item] = body["items"]
    assert (item["worker_id"], item["grid_id"], item["patrol_s"], item["distance_m"]) == (
        "u-w1",
        "g-1",
        3600,
        800,
    )
    assert (item["lon"], item["lat"], item["km"]) == (120.15, 30.27, "0.800")
    seen = datetime.fromisoformat(item["last_fix_at"])
    assert abs(seen - (now - timedelta(minutes=5))) < timedelta(seconds=1)

    wider = api.get("/patrols/live?within_minutes=60", as_user=INSPECTOR).get_json()
    assert [row["worker_id"] for row in wider["items"]] == ["u-w1", "u-w2"]
    assert [
        row["worker_id"] for row in api.get("/patrols/live", as_user=TENANT_B).get_json()["items"]
    ] == ["u-b"]


def test_the_live_board_checks_its_window_and_roles(api):
    for minutes in (0, 241, -5):
        response = api.get(f"/patrols/live?within_minutes={minutes}", as_user=CENTRE)
        assert response.status_code == 422
        assert error_fields(response) == ["within_minutes"]
    assert api.get("/patrols/live", as_user=WORKER).status_code == 403
    assert api.get("/patrols/live", as_user=LEADER).status_code == 403


def test_yesterdays_fix_is_not_live(api):
    now = datetime.now(UTC)
    yesterday = patrol_day(now) - timedelta(days=1)
    store(
        "u-w1", yesterday, hours=1, metres=800, judged=False, last_fix_at=now - timedelta(minutes=2)
    )
    assert api.get("/patrols/live?within_minutes=240", as_user=CENTRE).get_json()["items"] == []


def test_km_strings_are_exact(march):
    [item] = march.get("/days?day=2026-03-02&worker_id=u-w1", as_user=CENTRE).get_json()["items"]
    assert Decimal(item["km"]) == Decimal("2.345")
