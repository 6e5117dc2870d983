"""Patrol rules (巡查要求) per grid type and the daily verdict (每日达标判定).

A tenant judges its workers' days by rules per grid type (the registry's ``community``,
``village``, ``enterprise``, ``special``), with one set for any type it did not name. The
seeds give three presets:

- seed 001, community grids (社区网格): every working day in the morning and the afternoon,
  at least 3 h a day and 18 h a week, a track of at least 1 km a day and 8 km a week;
- seed 001, village grids (村网格): the same with 2 h a day and 12 h a week;
- seed 004: half a working day in the grid (每个工作日安排半天在网格内上班巡查), at least 4 h a
  day of patrol and visits with a track of at least 3 km (每天走访巡查不少于4小时，在岗轨迹不少于
  3公里), and its "five targets" (在线率、在线时长、巡查里程、重点人员走访服务、重点场所走访服务).
  Where the seed names a target without a number the preset's threshold is this module's
  documented default, a setting the tenant may change: online time (在线时长) at least the
  4 h of patrol, online rate (在线率) at least 0.5 of an 8-hour working day (the seed's
  half day), and at least one key person (重点人员) and one key place (重点场所) visited a day.
  Seed 004 measures patrol "in the grid", so its preset counts only time and distance inside
  the worker's own grids (`own_grid_only`).

`judge_day` gives each day one status: ``rest_day`` (not a working day: patrol on it is
recorded and never fails), ``excused`` (approved leave or clash filed in time), ``not_patrolled``
(a working day without a second of counted patrol: seed 001's 未巡查), ``passed`` or
``failed`` with the reasons. ``short`` marks a patrolled day under the daily minimum hours
(seed 001's 巡查时间不足), which is also a failed day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Final

from services.patrol_tracking.domain.figures import DayFigures
from services.patrol_tracking.domain.leave import Excuse

# The registry's grid types (shared/events/contracts/registry/grids.py).
GRID_TYPES: Final = ("community", "village", "enterprise", "special")
KEY_PERSON_CATEGORIES: Final = frozenset({"key_person"})
KEY_PLACE_CATEGORIES: Final = frozenset({"hazard_place"})
# An 8-hour working day (08:30-17:30 with an hour's lunch): what 在线率 is a share of.
DEFAULT_REFERENCE_ONLINE_MINUTES = 480
_KM = Decimal("0.01")
_RATE = Decimal("0.01")


class VerdictStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_PATROLLED = "not_patrolled"
    EXCUSED = "excused"
    REST_DAY = "rest_day"


class ReasonCode(StrEnum):
    """Why a patrolled working day failed; each compares a figure with its requirement."""

    HOURS_SHORT = "hours_short"
    KM_SHORT = "km_short"
    NO_MORNING = "no_morning"
    NO_AFTERNOON = "no_afternoon"
    ONLINE_SHORT = "online_short"
    ONLINE_RATE_SHORT = "online_rate_short"
    KEY_PERSON_VISITS_SHORT = "key_person_visits_short"
    KEY_PLACE_VISITS_SHORT = "key_place_visits_short"
    # Weekly requirements (`domain.periods`).
    WEEK_HOURS_SHORT = "week_hours_short"
    WEEK_KM_SHORT = "week_km_short"


STATUS_VALUES = tuple(status.value for status in VerdictStatus)
FAILING: Final = frozenset({VerdictStatus.FAILED, VerdictStatus.NOT_PATROLLED})


@dataclass(frozen=True, slots=True)
class PatrolRules:
    """What one grid type's workers must do on a working day (and in a week).

    Minutes and visit counts are whole numbers, kilometres and the online rate Decimals; a
    zero minimum (or ``min_online_rate`` None) is no requirement. ``min_online_rate`` is a
    share (0..1) of ``reference_online_minutes``. ``own_grid_only`` counts only patrol inside
    the worker's own grids of that day.
    """

    min_patrol_minutes_day: int
    min_patrol_minutes_week: int
    min_km_day: Decimal
    min_km_week: Decimal
    require_morning: bool
    require_afternoon: bool
    min_online_minutes_day: int = 0
    min_online_rate: Decimal | None = None
    reference_online_minutes: int = DEFAULT_REFERENCE_ONLINE_MINUTES
    required_key_person_visits_day: int = 0
    required_key_place_visits_day: int = 0
    own_grid_only: bool = False

    def patrol_seconds(self, figures: DayFigures) -> int:
        """The day's patrol time as these rules count it."""
        return figures.own_grid_s if self.own_grid_only else figures.patrol_s

    def distance_metres(self, figures: DayFigures) -> int:
        """The day's track length as these rules count it."""
        return figures.own_grid_m if self.own_grid_only else figures.distance_m


SEED_001_COMMUNITY: Final = PatrolRules(
    min_patrol_minutes_day=180,
    min_patrol_minutes_week=18 * 60,
    min_km_day=Decimal(1),
    min_km_week=Decimal(8),
    require_morning=True,
    require_afternoon=True,
)
SEED_001_VILLAGE: Final = PatrolRules(
    min_patrol_minutes_day=120,
    min_patrol_minutes_week=12 * 60,
    min_km_day=Decimal(1),
    min_km_week=Decimal(8),
    require_morning=True,
    require_afternoon=True,
)
SEED_004: Final = PatrolRules(
    min_patrol_minutes_day=240,
    min_patrol_minutes_week=0,
    min_km_day=Decimal(3),
    min_km_week=Decimal(0),
    # 半天: a morning or an afternoon, the worker's choice; neither half is required.
    require_morning=False,
    require_afternoon=False,
    min_online_minutes_day=240,
    min_online_rate=Decimal("0.5"),
    reference_online_minutes=DEFAULT_REFERENCE_ONLINE_MINUTES,
    required_key_person_visits_day=1,
    required_key_place_visits_day=1,
    own_grid_only=True,
)


@dataclass(frozen=True, slots=True)
class Reason:
    """One unmet requirement: its figure against the requirement, in ``unit`` (``min``,
    ``km``, ``rate``, ``visits``, ``half_day``), and a sentence for people."""

    code: ReasonCode
    actual: Decimal
    required: Decimal
    unit: str
    message: str


@dataclass(frozen=True, slots=True)
class DayVerdict:
    """One worker's working day judged: its status, whether it was short, and why it failed.

    ``excuse`` names the filing that excused the day (``excused`` only)."""

    day: date
    status: VerdictStatus
    short: bool = False
    reasons: tuple[Reason, ...] = ()
    excuse: Excuse | None = None

    @property
    def failing(self) -> bool:
        """Not up to the rules on a working day (seed 004's 未达标): failed or not patrolled."""
        return self.status in FAILING


def duration_text(seconds: int) -> str:
    """``1 h 40 min``, ``3 h``, ``25 min`` (whole minutes, rounded down)."""
    minutes = max(seconds, 0) // 60
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def km_of(metres: int) -> Decimal:
    """Metres as kilometres with two places, rounded down (1,999 m is 1.99 km, not 2)."""
    return (Decimal(metres) / 1000).quantize(_KM, rounding=ROUND_DOWN)


def km_text(value: Decimal) -> str:
    return f"{value.normalize():f} km"


def _distinct_visits(figures: DayFigures, categories: frozenset[str]) -> int:
    # Two check-ins at the same subject on one day are one visit of it.
    return len({visit.subject_id for visit in figures.visits if visit.category in categories})


def shortfalls(figures: DayFigures, rules: PatrolRules) -> tuple[Reason, ...]:
    """Every daily requirement ``figures`` miss, in a fixed order."""
    reasons: list[Reason] = []
    patrol_s = rules.patrol_seconds(figures)
    if patrol_s < rules.min_patrol_minutes_day * 60:
        reasons.append(
            Reason(
                ReasonCode.HOURS_SHORT,
                Decimal(patrol_s // 60),
                Decimal(rules.min_patrol_minutes_day),
                "min",
                f"patrolled {duration_text(patrol_s)} of "
                f"{duration_text(rules.min_patrol_minutes_day * 60)}",
            )
        )
    metres = rules.distance_metres(figures)
    if Decimal(metres) < rules.min_km_day * 1000:
        reasons.append(
            Reason(
                ReasonCode.KM_SHORT,
                km_of(metres),
                rules.min_km_day,
                "km",
                f"track of {km_text(km_of(metres))} of {km_text(rules.min_km_day)}",
            )
        )
    if rules.require_morning and not figures.morning:
        reasons.append(
            Reason(ReasonCode.NO_MORNING, Decimal(0), Decimal(1), "half_day", "no morning patrol")
        )
    if rules.require_afternoon and not figures.afternoon:
        reasons.append(
            Reason(
                ReasonCode.NO_AFTERNOON, Decimal(0), Decimal(1), "half_day", "no afternoon patrol"
            )
        )
    if figures.online_s < rules.min_online_minutes_day * 60:
        reasons.append(
            Reason(
                ReasonCode.ONLINE_SHORT,
                Decimal(figures.online_s // 60),
                Decimal(rules.min_online_minutes_day),
                "min",
                f"online {duration_text(figures.online_s)} of "
                f"{duration_text(rules.min_online_minutes_day * 60)}",
            )
        )
    if rules.min_online_rate is not None and rules.min_online_rate > 0:
        reference_s = rules.reference_online_minutes * 60
        rate = Decimal(figures.online_s) / reference_s
        if rate < rules.min_online_rate:
            shown = rate.quantize(_RATE, rounding=ROUND_DOWN)
            reasons.append(
                Reason(
                    ReasonCode.ONLINE_RATE_SHORT,
                    shown,
                    rules.min_online_rate,
                    "rate",
                    f"online rate {shown:f} of {rules.min_online_rate:f} "
                    f"(of {duration_text(reference_s)})",
                )
            )
    for code, categories, required, what in (
        (
            ReasonCode.KEY_PERSON_VISITS_SHORT,
            KEY_PERSON_CATEGORIES,
            rules.required_key_person_visits_day,
            "key persons",
        ),
        (
            ReasonCode.KEY_PLACE_VISITS_SHORT,
            KEY_PLACE_CATEGORIES,
            rules.required_key_place_visits_day,
            "key places",
        ),
    ):
        visited = _distinct_visits(figures, categories)
        if visited < required:
            reasons.append(
                Reason(
                    code,
                    Decimal(visited),
                    Decimal(required),
                    "visits",
                    f"visited {visited} of {required} {what}",
                )
            )
    return tuple(reasons)


def judge_day(
    figures: DayFigures, rules: PatrolRules, *, workday: bool, excuse: Excuse | None
) -> DayVerdict:
    """The day's verdict under ``rules``.

    A non-working day is a rest day whatever was patrolled; an excused working day is excused;
    a working day without counted patrol is not patrolled; otherwise the day passes when it
    meets every daily requirement and fails with the reasons it does not. A patrolled day
    under the daily minimum hours is ``short`` (and failed).
    """
    if not workday:
        return DayVerdict(day=figures.day, status=VerdictStatus.REST_DAY)
    if excuse is not None:
        return DayVerdict(day=figures.day, status=VerdictStatus.EXCUSED, excuse=excuse)
    reasons = shortfalls(figures, rules)
    patrol_s = rules.patrol_seconds(figures)
    if patrol_s == 0:
        return DayVerdict(day=figures.day, status=VerdictStatus.NOT_PATROLLED, reasons=reasons)
    short = patrol_s < rules.min_patrol_minutes_day * 60
    status = VerdictStatus.FAILED if reasons else VerdictStatus.PASSED
    return DayVerdict(day=figures.day, status=status, short=short, reasons=reasons)
