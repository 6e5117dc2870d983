"""Daily verdicts against the seeds' patrol rules: every status, every reason, the presets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.patrol_tracking.domain.compliance import (
    SEED_001_COMMUNITY,
    SEED_001_VILLAGE,
    SEED_004,
    DayVerdict,
    PatrolRules,
    ReasonCode,
    VerdictStatus,
    duration_text,
    judge_day,
    km_of,
)
from services.patrol_tracking.domain.figures import DayFigures, Visit
from services.patrol_tracking.domain.leave import Excuse, LeaveKind

DAY = date(2026, 3, 2)  # a Monday
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def figures(
    *,
    minutes: int = 0,
    metres: int = 0,
    morning: bool = True,
    afternoon: bool = True,
    online_minutes: int | None = None,
    own_minutes: int | None = None,
    own_metres: int | None = None,
    visits: tuple[Visit, ...] = (),
) -> DayFigures:
    return replace(
        DayFigures.empty(DAY),
        online_s=60 * (minutes if online_minutes is None else online_minutes),
        patrol_s=60 * minutes,
        distance_m=metres,
        own_grid_s=60 * (minutes if own_minutes is None else own_minutes),
        own_grid_m=metres if own_metres is None else own_metres,
        morning=morning and minutes > 0,
        afternoon=afternoon and minutes > 0,
        sessions=1 if minutes else 0,
        visits=visits,
    )


def visit(subject_id: str, category: str) -> Visit:
    return Visit(subject_id=subject_id, category=category, start=AT, end=AT)


def judge(day: DayFigures, rules: PatrolRules = SEED_001_COMMUNITY) -> DayVerdict:
    return judge_day(day, rules, workday=True, excuse=None)


def codes(verdict: DayVerdict) -> list[str]:
    return [reason.code.value for reason in verdict.reasons]


def test_the_seed_001_presets_are_the_seed_numbers() -> None:
    community, village = SEED_001_COMMUNITY, SEED_001_VILLAGE
    assert (community.min_patrol_minutes_day, community.min_patrol_minutes_week) == (180, 1080)
    assert (village.min_patrol_minutes_day, village.min_patrol_minutes_week) == (120, 720)
    for rules in (community, village):
        assert (rules.min_km_day, rules.min_km_week) == (Decimal(1), Decimal(8))
        assert rules.require_morning
        assert rules.require_afternoon
        assert not rules.own_grid_only
        assert rules.min_online_minutes_day == 0
        assert rules.min_online_rate is None


def test_the_seed_004_preset_is_four_hours_three_km_half_a_day_and_five_targets() -> None:
    assert (SEED_004.min_patrol_minutes_day, SEED_004.min_km_day) == (240, Decimal(3))
    assert not SEED_004.require_morning
    assert not SEED_004.require_afternoon
    assert SEED_004.own_grid_only
    assert SEED_004.min_online_minutes_day == 240
    assert SEED_004.min_online_rate == Decimal("0.5")
    assert SEED_004.reference_online_minutes == 480
    assert SEED_004.required_key_person_visits_day == 1
    assert SEED_004.required_key_place_visits_day == 1


def test_a_full_community_day_passes() -> None:
    verdict = judge(figures(minutes=200, metres=1500))
    assert (verdict.status, verdict.short, verdict.reasons) == (VerdictStatus.PASSED, False, ())
    assert not verdict.failing


def test_exactly_the_minimum_passes() -> None:
    assert judge(figures(minutes=180, metres=1000)).status is VerdictStatus.PASSED


def test_a_two_hour_day_is_short_in_a_community_grid_and_enough_in_a_village() -> None:
    two_hours = figures(minutes=120, metres=2000)
    community = judge(two_hours)
    assert (community.status, community.short) == (VerdictStatus.FAILED, True)
    [reason] = community.reasons
    assert reason.code is ReasonCode.HOURS_SHORT
    assert (reason.actual, reason.required, reason.unit) == (Decimal(120), Decimal(180), "min")
    assert reason.message == "patrolled 2 h of 3 h"
    assert judge(two_hours, SEED_001_VILLAGE).status is VerdictStatus.PASSED


def test_the_reason_says_hours_and_minutes() -> None:
    [reason] = judge(figures(minutes=100, metres=2000)).reasons
    assert reason.message == "patrolled 1 h 40 min of 3 h"
    assert duration_text(25 * 60 + 59) == "25 min"


def test_a_short_track_fails_without_being_short() -> None:
    verdict = judge(figures(minutes=200, metres=999))
    assert (verdict.status, verdict.short, codes(verdict)) == (
        VerdictStatus.FAILED,
        False,
        ["km_short"],
    )
    [reason] = verdict.reasons
    # 999 m is 0.99 km, never rounded up to the requirement.
    assert (reason.actual, reason.required) == (Decimal("0.99"), Decimal(1))
    assert reason.message == "track of 0.99 km of 1 km"
    assert km_of(1999) == Decimal("1.99")


def test_a_missing_morning_or_afternoon_fails() -> None:
    no_morning = judge(figures(minutes=200, metres=1500, morning=False))
    assert (no_morning.status, codes(no_morning)) == (VerdictStatus.FAILED, ["no_morning"])
    no_afternoon = judge(figures(minutes=200, metres=1500, afternoon=False))
    assert codes(no_afternoon) == ["no_afternoon"]
    # Seed 004 asks for half a day: either half alone is enough.
    assert ReasonCode.NO_MORNING not in {
        r.code for r in judge(figures(minutes=300, morning=False), SEED_004).reasons
    }


def test_every_shortfall_is_listed_in_order() -> None:
    verdict = judge(figures(minutes=30, metres=100, afternoon=False))
    assert codes(verdict) == ["hours_short", "km_short", "no_afternoon"]
    assert verdict.short


def test_a_workday_without_patrol_is_not_patrolled_not_short() -> None:
    verdict = judge(figures())
    assert (verdict.status, verdict.short) == (VerdictStatus.NOT_PATROLLED, False)
    assert verdict.failing
    assert codes(verdict) == ["hours_short", "km_short", "no_morning", "no_afternoon"]


def test_a_rest_day_never_fails_whatever_was_patrolled() -> None:
    for day in (figures(), figures(minutes=30, metres=200), figures(minutes=300, metres=5000)):
        verdict = judge_day(day, SEED_001_COMMUNITY, workday=False, excuse=None)
        assert (verdict.status, verdict.short, verdict.reasons) == (
            VerdictStatus.REST_DAY,
            False,
            (),
        )


def test_an_excused_workday_is_excused_and_names_its_filing() -> None:
    excuse = Excuse(leave_id="lv-1", kind=LeaveKind.LEAVE, day=DAY)
    verdict = judge_day(figures(), SEED_001_COMMUNITY, workday=True, excuse=excuse)
    assert (verdict.status, verdict.excuse, verdict.failing) == (
        VerdictStatus.EXCUSED,
        excuse,
        False,
    )
    # A rest day stays a rest day, leave or not.
    rest = judge_day(figures(), SEED_001_COMMUNITY, workday=False, excuse=excuse)
    assert rest.status is VerdictStatus.REST_DAY


def seed_004_day(**changes: object) -> DayFigures:
    base = figures(
        minutes=250,
        metres=3200,
        morning=True,
        afternoon=False,
        online_minutes=260,
        visits=(visit("p-1", "key_person"), visit("h-1", "hazard_place")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_seed_004_five_targets_met_passes() -> None:
    verdict = judge(seed_004_day(), SEED_004)
    assert (verdict.status, verdict.reasons) == (VerdictStatus.PASSED, ())


def test_seed_004_counts_only_patrol_inside_the_own_grids() -> None:
    outside = seed_004_day(own_grid_s=0, own_grid_m=0)
    assert judge(outside, SEED_004).status is VerdictStatus.NOT_PATROLLED
    partly = seed_004_day(own_grid_s=200 * 60, own_grid_m=2500)
    verdict = judge(partly, SEED_004)
    assert (verdict.status, verdict.short, codes(verdict)) == (
        VerdictStatus.FAILED,
        True,
        ["hours_short", "km_short"],
    )


def test_seed_004_online_time_and_rate() -> None:
    verdict = judge(seed_004_day(online_s=230 * 60), SEED_004)
    assert codes(verdict) == ["online_short", "online_rate_short"]
    rate = verdict.reasons[1]
    assert (rate.actual, rate.required, rate.unit) == (Decimal("0.47"), Decimal("0.5"), "rate")
    assert rate.message == "online rate 0.47 of 0.5 (of 8 h)"
    # Without a time minimum the rate alone speaks.
    only_rate = replace(SEED_004, min_online_minutes_day=0)
    assert codes(judge(seed_004_day(online_s=230 * 60), only_rate)) == ["online_rate_short"]


def test_seed_004_key_visits_count_distinct_subjects_of_the_right_category() -> None:
    twice_the_same = (visit("p-1", "key_person"), visit("p-1", "key_person"))
    rules = replace(SEED_004, required_key_person_visits_day=2)
    verdict = judge(seed_004_day(visits=twice_the_same), rules)
    assert codes(verdict) == ["key_person_visits_short", "key_place_visits_short"]
    person, place = verdict.reasons
    assert (person.actual, person.required, person.message) == (
        Decimal(1),
        Decimal(2),
        "visited 1 of 2 key persons",
    )
    assert (place.actual, place.required) == (Decimal(0), Decimal(1))
    # A care recipient is neither a key person nor a key place.
    care = (visit("c-1", "care_recipient"),)
    assert codes(judge(seed_004_day(visits=care), SEED_004)) == [
        "key_person_visits_short",
        "key_place_visits_short",
    ]


@given(
    minutes=st.integers(min_value=0, max_value=600),
    metres=st.integers(min_value=0, max_value=20_000),
    morning=st.booleans(),
    afternoon=st.booleans(),
    workday=st.booleans(),
)
def test_the_status_follows_the_reasons(
    minutes: int, metres: int, morning: bool, afternoon: bool, workday: bool
) -> None:
    day = figures(minutes=minutes, metres=metres, morning=morning, afternoon=afternoon)
    verdict = judge_day(day, SEED_001_COMMUNITY, workday=workday, excuse=None)
    if not workday:
        assert verdict.status is VerdictStatus.REST_DAY
    elif minutes == 0:
        assert verdict.status is VerdictStatus.NOT_PATROLLED
    else:
        assert (verdict.status is VerdictStatus.PASSED) == (not verdict.reasons)
        assert verdict.short == (minutes < 180)
    if verdict.short:
        assert verdict.status is VerdictStatus.FAILED
