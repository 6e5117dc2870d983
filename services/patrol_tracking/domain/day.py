"""The incremental fold of one worker's patrol day (巡查日累计): `DayState`.

Points arrive in batches, mostly in time order; each batch updates the day's figures without
reading the day again. The state keeps accumulators, not points: the last accepted fix, the
merged online intervals, the gaps, the heartbeats (instants and flags) and the visit tracker.

How the track is measured (`DayFigures` documents the figures themselves):

- the noise filter is `track.screen`: accuracy, the tenant's grids, then duplicate and jump
  against the last accepted fix;
- a step from one accepted fix to the next longer than `session_gap_s` is a gap: it starts a
  new session (巡查时段) and counts for nothing; every other step adds its time to `patrol_s`
  and its great-circle length to `distance_m`. A session thus lasts from its first to its last
  fix: 240 fixes 30 s apart are 239 steps, 7,170 s;
- a step counts inside the worker's own grids (`own_grid_s`, `own_grid_m`) when its START fix
  is inside one of them: the worker was in his grid and walked on from there;
- `morning` / `afternoon`: an accepted fix before / at-or-after the tenant's noon, Asia/Shanghai;
- online time is the union of all reports (every point received on the day, accepted or not,
  and every heartbeat) where two reports at most `session_gap_s` apart are bridged; a lone
  report is online for no time;
- gaps are classified when the figures are read, from the heartbeats strictly inside each.

Order: a batch is sorted by (instant, point id). A point ordered after every point folded so
far (the `horizon`) folds incrementally. One ordered at or before it — a late upload, or a
point resent — is not folded: it only marks `needs_rebuild` (its instant still counts as online
time, where a resent one adds nothing) and the caller calls `DayState.rebuild` with the whole
day from the store, which equals folding the sorted day in one go. The horizon is the latest
point of any kind, not the last accepted fix: a late fix between the last accepted one and a
rejected jump after it would have been the jump's reference, and a resent rejected point must
not be counted twice.

Figures are whole seconds and metres rounded half up from the millisecond sums and the float
metre sums (1,499 ms -> 1 s, 1,500 ms -> 2 s; 999.5 m -> 1,000 m). Instants are handled at
millisecond precision. Heartbeats are kept as sets of instants: a resent one changes nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import numpy as np

from services.patrol_tracking.domain.figures import DayFigures, Gap, GapKind
from services.patrol_tracking.domain.points import Heartbeat, Point
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import (
    DayGeometry,
    Fix,
    chain_reasons,
    from_ms,
    great_circle_m,
    static_reasons,
    to_ms,
)
from services.patrol_tracking.domain.visits import SHANGHAI, VisitTracker

DOCUMENT_VERSION: Final = 1


def day_bounds_ms(day: date) -> tuple[int, int]:
    """The Asia/Shanghai calendar day as [start, end) epoch milliseconds."""
    start = datetime.combine(day, time(0), SHANGHAI)
    return to_ms(start), to_ms(datetime.combine(day + timedelta(days=1), time(0), SHANGHAI))


def local_ms(day: date, at: time) -> int:
    """The instant ``at`` o'clock on ``day`` in Asia/Shanghai, as epoch milliseconds."""
    return to_ms(datetime.combine(day, at, SHANGHAI))


def half_up(value: float) -> int:
    """A non-negative float rounded half up to an int."""
    return math.floor(value + 0.5)


def seconds(ms: int) -> int:
    """Non-negative milliseconds as whole seconds, rounded half up."""
    return (ms + 500) // 1000


@dataclass(frozen=True, slots=True)
class LastFix:
    """The last accepted fix and whether it lies in the worker's own grids (the step that
    starts at it is counted by that)."""

    fix: Fix
    own: bool


@dataclass(frozen=True, slots=True)
class Heartbeats:
    """The day's heartbeats as gap classification needs them: sorted unique instants (ms) of
    all of them, of those without GPS permission, and of those in battery-saver mode."""

    all: tuple[int, ...] = ()
    gps_off: tuple[int, ...] = ()
    battery_saver: tuple[int, ...] = ()

    def add(self, beats: Iterable[Heartbeat]) -> Heartbeats:
        every, off, saver = set(self.all), set(self.gps_off), set(self.battery_saver)
        for beat in beats:
            at = to_ms(beat.at)
            every.add(at)
            if not beat.gps_permission:
                off.add(at)
            if beat.battery_saver:
                saver.add(at)
        return Heartbeats(tuple(sorted(every)), tuple(sorted(off)), tuple(sorted(saver)))

    def classify(self, start_ms: int, end_ms: int) -> GapKind:
        """The class of the gap between two sessions, from the heartbeats strictly inside it."""

        def any_inside(instants: tuple[int, ...]) -> bool:
            after = bisect_right(instants, start_ms)
            return after < len(instants) and instants[after] < end_ms

        if not any_inside(self.all):
            return GapKind.PHONE_SILENT
        if any_inside(self.gps_off):
            return GapKind.GPS_OFF
        if any_inside(self.battery_saver):
            return GapKind.BATTERY_SAVER
        return GapKind.NOT_PATROLLING


def merge_online(
    intervals: tuple[tuple[int, int], ...], instants: Iterable[int], bridge_ms: int
) -> tuple[tuple[int, int], ...]:
    """``intervals`` (sorted, disjoint, more than ``bridge_ms`` apart) with more report
    instants: two reports at most ``bridge_ms`` apart belong to one interval.

    The clusters of a set of instants under that rule are unique, so the result does not
    depend on the order or the batches the instants came in."""
    pending = sorted([*intervals, *((at, at) for at in instants)])
    merged: list[tuple[int, int]] = []
    for start, end in pending:
        if merged and start - merged[-1][1] <= bridge_ms:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class DayState:
    """One worker's patrol day so far (see the module docstring for every rule).

    `horizon` is the (instant, point id) of the latest point folded, accepted or not: a point
    ordered after it folds incrementally, any other marks `needs_rebuild`."""

    day: date
    last: LastFix | None = None
    horizon: tuple[int, str] | None = None
    sessions: int = 0
    patrol_ms: int = 0
    distance_m: float = 0.0
    own_grid_ms: int = 0
    own_grid_m: float = 0.0
    morning: bool = False
    afternoon: bool = False
    points_accepted: int = 0
    points_rejected: int = 0
    online: tuple[tuple[int, int], ...] = ()
    gaps: tuple[tuple[int, int], ...] = ()
    heartbeats: Heartbeats = field(default_factory=Heartbeats)
    visits: VisitTracker = field(default_factory=VisitTracker)
    needs_rebuild: bool = False

    @classmethod
    def start(cls, day: date) -> DayState:
        """A day before its first report."""
        return cls(day=day)

    @classmethod
    def rebuild(
        cls,
        day: date,
        points: Iterable[Point],
        heartbeats: Iterable[Heartbeat],
        geometry: DayGeometry,
        rules: TrackRules,
    ) -> DayState:
        """The day from all its points and heartbeats (any order): the one-go fold."""
        return cls.start(day).fold(points, heartbeats, geometry, rules)

    def fold(
        self,
        points: Iterable[Point],
        heartbeats: Iterable[Heartbeat],
        geometry: DayGeometry,
        rules: TrackRules,
    ) -> DayState:
        """The day after one more batch; points and heartbeats of other days are ignored."""
        first_ms, end_ms = day_bounds_ms(self.day)
        # Keyed by (instant, point id): a point repeated inside the batch is one point.
        of_day = {(at, p.point_id): p for p in points if first_ms <= (at := to_ms(p.at)) < end_ms}
        keyed = [(at, point_id, of_day[at, point_id]) for at, point_id in sorted(of_day)]
        beats = [b for b in heartbeats if first_ms <= to_ms(b.at) < end_ms]
        bridge_ms = rules.session_gap_s * 1000
        online = merge_online(
            self.online,
            [at for at, _, _ in keyed] + [to_ms(b.at) for b in beats],
            bridge_ms,
        )
        state = replace(self, online=online, heartbeats=self.heartbeats.add(beats))
        if not keyed:
            return state

        # Sorted: the points at or before the horizon come first.
        late = sum(1 for at, point_id, _ in keyed if self._folded((at, point_id)))
        fresh = keyed[late:]
        state = replace(state, needs_rebuild=state.needs_rebuild or late > 0)
        if not fresh:
            return state

        at_ms = np.asarray([at for at, _, _ in fresh], dtype=np.int64)
        lats = np.asarray([p.lat for _, _, p in fresh], dtype=np.float64)
        lons = np.asarray([p.lon for _, _, p in fresh], dtype=np.float64)
        accuracy = np.asarray([p.accuracy_m for _, _, p in fresh], dtype=np.float64)
        statics = static_reasons(lats, lons, accuracy, geometry, rules)
        index = np.asarray(
            [i for i, reason in enumerate(statics) if reason is None], dtype=np.int64
        )
        previous = None if self.last is None else self.last.fix
        reasons = chain_reasons(at_ms[index], lats[index], lons[index], rules, previous)
        keep = index[np.asarray([r is None for r in reasons], dtype=np.bool_)]
        state = replace(
            state,
            horizon=(fresh[-1][0], fresh[-1][1]),
            points_rejected=state.points_rejected + len(fresh) - keep.size,
        )
        if keep.size == 0:
            return state
        return state._track(at_ms[keep], lats[keep], lons[keep], geometry, rules)

    def _folded(self, key: tuple[int, str]) -> bool:
        """Whether a point ordered at ``key`` comes at or before the latest one folded."""
        return self.horizon is not None and key <= self.horizon

    def _track(
        self,
        at_ms: np.ndarray[Any, np.dtype[np.int64]],
        lats: np.ndarray[Any, np.dtype[np.float64]],
        lons: np.ndarray[Any, np.dtype[np.float64]],
        geometry: DayGeometry,
        rules: TrackRules,
    ) -> DayState:
        """The state after the newly accepted fixes (time-ordered, after `last`)."""
        own = geometry.in_own(lons, lats)
        gap_ms = rules.session_gap_s * 1000
        if self.last is None:
            chain_at, chain_lat, chain_lon = at_ms, lats, lons
            starts_own = own[:-1]
        else:
            fix = self.last.fix
            chain_at = np.concatenate(([fix.at_ms], at_ms))
            chain_lat = np.concatenate(([fix.lat], lats))
            chain_lon = np.concatenate(([fix.lon], lons))
            starts_own = np.concatenate(([self.last.own], own[:-1]))
        steps_ms = np.diff(chain_at)
        steps_m = great_circle_m(chain_lat, chain_lon)
        broken = steps_ms > gap_ms
        walked = ~broken

        # Floats are added one by one in time order, so any split into batches yields the same
        # bits as the one-go fold (numpy's pairwise sum would group them differently).
        distance, own_m = self.distance_m, self.own_grid_m
        for metres, inside in zip(
            steps_m[walked].tolist(), starts_own[walked].tolist(), strict=True
        ):
            distance += metres
            if inside:
                own_m += metres
        gaps = [
            (int(start), int(end))
            for start, end in zip(chain_at[:-1][broken], chain_at[1:][broken], strict=True)
        ]
        # Which fixes open a session: the day's first, and every fix after a gap.
        new_session = broken if self.last is not None else np.concatenate(([True], broken))
        noon_ms = local_ms(self.day, rules.noon)
        last = LastFix(Fix(int(at_ms[-1]), float(lats[-1]), float(lons[-1])), bool(own[-1]))
        return replace(
            self,
            last=last,
            sessions=self.sessions + int(new_session.sum()),
            patrol_ms=self.patrol_ms + int(steps_ms[walked].sum()),
            distance_m=distance,
            own_grid_ms=self.own_grid_ms + int(steps_ms[walked & starts_own].sum()),
            own_grid_m=own_m,
            morning=self.morning or bool((at_ms < noon_ms).any()),
            afternoon=self.afternoon or bool((at_ms >= noon_ms).any()),
            points_accepted=self.points_accepted + int(at_ms.size),
            gaps=self.gaps + tuple(gaps),
            visits=self.visits.fold(
                at_ms, lats, lons, new_session=new_session, geometry=geometry, rules=rules
            ),
        )

    def figures(self) -> DayFigures:
        """The day in figures (whole seconds and metres, rounded half up)."""
        return DayFigures(
            day=self.day,
            online_s=seconds(sum(end - start for start, end in self.online)),
            patrol_s=seconds(self.patrol_ms),
            distance_m=half_up(self.distance_m),
            own_grid_s=seconds(self.own_grid_ms),
            own_grid_m=half_up(self.own_grid_m),
            morning=self.morning,
            afternoon=self.afternoon,
            sessions=self.sessions,
            gaps=tuple(
                Gap(from_ms(start), from_ms(end), self.heartbeats.classify(start, end))
                for start, end in self.gaps
            ),
            visits=self.visits.visits(),
            points_accepted=self.points_accepted,
            points_rejected=self.points_rejected,
        )

    def to_document(self) -> dict[str, Any]:
        """The state as plain JSON values (instants as epoch milliseconds; lists of numbers
        or of dicts, never a list of lists) for a FerretDB document."""
        return {
            "version": DOCUMENT_VERSION,
            "day": self.day.isoformat(),
            "last": None
            if self.last is None
            else {
                "at": self.last.fix.at_ms,
                "lat": self.last.fix.lat,
                "lon": self.last.fix.lon,
                "own": self.last.own,
            },
            "horizon": None
            if self.horizon is None
            else {"at": self.horizon[0], "point_id": self.horizon[1]},
            "sessions": self.sessions,
            "patrol_ms": self.patrol_ms,
            "distance_m": self.distance_m,
            "own_grid_ms": self.own_grid_ms,
            "own_grid_m": self.own_grid_m,
            "morning": self.morning,
            "afternoon": self.afternoon,
            "points_accepted": self.points_accepted,
            "points_rejected": self.points_rejected,
            "online": [{"start": start, "end": end} for start, end in self.online],
            "gaps": [{"start": start, "end": end} for start, end in self.gaps],
            "heartbeats": {
                "all": list(self.heartbeats.all),
                "gps_off": list(self.heartbeats.gps_off),
                "battery_saver": list(self.heartbeats.battery_saver),
            },
            "visits": self.visits.to_document(),
            "needs_rebuild": self.needs_rebuild,
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DayState:
        """The state `to_document` wrote."""
        if document.get("version") != DOCUMENT_VERSION:
            raise ValueError(f"unknown day state version {document.get('version')!r}")
        last, horizon, beats = document["last"], document["horizon"], document["heartbeats"]
        return cls(
            day=date.fromisoformat(document["day"]),
            last=None
            if last is None
            else LastFix(
                Fix(int(last["at"]), float(last["lat"]), float(last["lon"])), bool(last["own"])
            ),
            horizon=None if horizon is None else (int(horizon["at"]), str(horizon["point_id"])),
            sessions=int(document["sessions"]),
            patrol_ms=int(document["patrol_ms"]),
            distance_m=float(document["distance_m"]),
            own_grid_ms=int(document["own_grid_ms"]),
            own_grid_m=float(document["own_grid_m"]),
            morning=bool(document["morning"]),
            afternoon=bool(document["afternoon"]),
            points_accepted=int(document["points_accepted"]),
            points_rejected=int(document["points_rejected"]),
            online=tuple((int(i["start"]), int(i["end"])) for i in document["online"]),
            gaps=tuple((int(g["start"]), int(g["end"])) for g in document["gaps"]),
            heartbeats=Heartbeats(
                tuple(int(at) for at in beats["all"]),
                tuple(int(at) for at in beats["gps_off"]),
                tuple(int(at) for at in beats["battery_saver"]),
            ),
            visits=VisitTracker.from_document(document["visits"]),
            needs_rebuild=bool(document["needs_rebuild"]),
        )
