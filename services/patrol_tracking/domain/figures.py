"""A worker's patrol day in figures (巡查日数据): what the day fold produces and the compliance
rules judge. The one vocabulary between the track (`domain.day`) and the rules
(`domain.compliance`).

Durations are whole seconds and distances whole metres: what the rules compare against
"3 hours" and "1 km", and what a person checks by hand; Decimals are made from them where a
rate or a total is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class GapKind(StrEnum):
    """Why a patrol day has a hole (轨迹中断) in its track.

    - `phone_silent`: neither points nor heartbeats: the app was killed, the phone off or
      without signal (the platform cannot tell which).
    - `gps_off`: heartbeats arrived but said location permission was withdrawn.
    - `battery_saver`: heartbeats arrived from a phone in battery-saver mode, which suspends
      background GPS on most Android builds.
    - `not_patrolling`: heartbeats said the phone was fine: the worker stopped recording.
    """

    PHONE_SILENT = "phone_silent"
    GPS_OFF = "gps_off"
    BATTERY_SAVER = "battery_saver"
    NOT_PATROLLING = "not_patrolling"


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch between two sessions of one day, `start` to `end` (aware UTC)."""

    start: datetime
    end: datetime
    kind: GapKind

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class Visit:
    """A check-in at a key subject (重点人员/场所走访): the worker stayed within the tenant's
    radius of the subject's location for at least the minimum dwell."""

    subject_id: str
    category: str  # key_person, special_group, care_recipient, hazard_place (the registry's)
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One worker's day (Asia/Shanghai) as the accepted points and heartbeats show it.

    - `online_s`: time the phone was reporting (points or heartbeats, gaps of at most the
      session gap bridged) — 在线时长;
    - `patrol_s`: total length of the sessions (轨迹时长); `distance_m` their great-circle
      length (巡查里程);
    - `own_grid_s`/`own_grid_m`: the part inside the grids the worker served that day (as of
      that day's team and boundaries);
    - `morning`/`afternoon`: patrolled before / after the tenant's noon split (上午/下午);
    - `gaps`: holes between sessions, classified; `visits`: check-ins at key subjects;
    - `points_accepted`/`points_rejected`: points the track used / filtered as noise.
    """

    day: date
    online_s: int
    patrol_s: int
    distance_m: int
    own_grid_s: int
    own_grid_m: int
    morning: bool
    afternoon: bool
    sessions: int
    gaps: tuple[Gap, ...]
    visits: tuple[Visit, ...]
    points_accepted: int
    points_rejected: int

    @classmethod
    def empty(cls, day: date) -> DayFigures:
        """A day without a single accepted point."""
        return cls(
            day=day,
            online_s=0,
            patrol_s=0,
            distance_m=0,
            own_grid_s=0,
            own_grid_m=0,
            morning=False,
            afternoon=False,
            sessions=0,
            gaps=(),
            visits=(),
            points_accepted=0,
            points_rejected=0,
        )
