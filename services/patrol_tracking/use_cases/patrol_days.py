"""Patrol days (巡查日): points folded into a worker's day as they arrive, the day judged at the
tenant's cut-off, and judged again when its facts change.

- `fold_stored`: the consumer's step after the points of a chunk are stored. Each worker-day
  takes each Kafka message once (the day remembers the last offset per partition); a batch
  that arrives out of order or repeats points already folded makes the fold rebuild the day
  from the stored points, which is exact by construction.
- `finalise_day`: at the cut-off, every worker with a stored day or a patrol role in a grid
  team that day is judged — a worker who sent nothing gets `not_patrolled` on a workday —
  and `patrol.day_finalised` is published, once per worker-day.
- `rejudge`: a finalised day whose facts change (late points inside the upload window, a leave
  decided after the cut-off) is judged again; `patrol.day_corrected` is published only when
  what scoring reads changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.patrol_tracking import metrics
from services.patrol_tracking.domain.compliance import VerdictStatus, judge_day
from services.patrol_tracking.domain.day import DayState
from services.patrol_tracking.domain.patrol_days import (
    PATROL_ROLES,
    Assignment,
    Judgement,
    PatrolDay,
    PatrolDayFinalised,
)
from services.patrol_tracking.domain.patrol_periods import (
    PeriodKind,
    PeriodTotals,
    period_of,
)
from services.patrol_tracking.domain.periods import (
    longest_failing_streak,
    month_totals,
    week_totals,
)
from services.patrol_tracking.domain.settings import TENANT_ZONE, PatrolSettings
from services.patrol_tracking.domain.track import DayGeometry, GridCover, subjects_digest
from services.patrol_tracking.domain.visits import CycledSubject, VisitCycle, missed_visits
from services.patrol_tracking.repository.patrol_days import CutOffProgress, FinalisationMarks
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import StoredBatch
from shared.calendar import WorkCalendar
from shared.errors import Conflict
from shared.events.domain import DomainEvent
from shared.registry.model import SubjectRef
from shared.registry.view import GridOnDay

WRITE_ATTEMPTS = 8
GEOMETRY_MAX_AGE_S = 60.0
STAMP_MAX_AGE_S = 1.0
# The platform's calendar: Chinese public holidays with their make-up workdays.
CALENDAR = WorkCalendar()


@dataclass(frozen=True, slots=True)
class _Measured:
    geometry: DayGeometry
    assignment: Assignment
    stamp: str | None
    built: float


class GeometryCache:
    """A worker-day's geometry (own grids, the tenant's grids, key subjects) per process.

    Building shapely geometries for every batch would cost more than folding it; the entry is
    reused while the registry's stamp (changed by every grid change) is the same and for at
    most `GEOMETRY_MAX_AGE_S` (team and subject changes do not move the stamp)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: dict[tuple[str, str, date], _Measured] = {}
        self._stamps: dict[str, tuple[float, str | None]] = {}
        self._covers: dict[tuple[str, date], tuple[str | None, GridCover]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def _stamp(self, ctx: PatrolContext) -> str | None:
        """The tenant's registry stamp, read at most once a second per process: a chunk
        folds hundreds of worker-days of a few tenants."""
        now = time.monotonic()
        with self._lock:
            found = self._stamps.get(ctx.tenant_id)
        if found is not None and now - found[0] < STAMP_MAX_AGE_S:
            return found[1]
        stamp = ctx.registry.stamps.current()
        with self._lock:
            self._stamps[ctx.tenant_id] = (now, stamp)
        return stamp

    def get(self, ctx: PatrolContext, worker_id: str, day: date) -> tuple[DayGeometry, Assignment]:
        key = (ctx.tenant_id, worker_id, day)
        stamp = self._stamp(ctx)
        with self._lock:
            found = self._entries.get(key)
        if (
            found is not None
            and found.stamp == stamp
            and time.monotonic() - found.built < GEOMETRY_MAX_AGE_S
        ):
            return found.geometry, found.assignment
        geometry, assignment = measure(ctx, worker_id, day)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = _Measured(geometry, assignment, stamp, time.monotonic())
        return geometry, assignment

    def tenant_cover(self, ctx: PatrolContext, day: date) -> GridCover:
        """Every grid of the tenant in force on ``day``, prepared once per tenant, day and
        registry stamp (a cut-off judges thousands of workers of one tenant and day)."""
        key = (ctx.tenant_id, day)
        stamp = self._stamp(ctx)
        with self._lock:
            found = self._covers.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
        cover = GridCover(boundary for _, boundary in ctx.registry.grids_in_force(day))
        with self._lock:
            if len(self._covers) >= self._max:
                self._covers.clear()
            self._covers[key] = (stamp, cover)
        return cover

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stamps.clear()
            self._covers.clear()


GEOMETRIES = GeometryCache()


def assignment_of(
    ctx: PatrolContext, worker_id: str, day: date, settings: PatrolSettings
) -> tuple[list[GridOnDay], Assignment]:
    """The worker's grids on ``day`` (in force, with that day's boundaries, code order) and
    the assignment they make (`assignment_from`)."""
    own = ctx.registry.own_grids(worker_id, day)
    return own, assignment_from(own, settings)


def assignment_from(own: Sequence[GridOnDay], settings: PatrolSettings) -> Assignment:
    """The assignment a worker's grids of a day make: their ids, divisions, and the grid type
    whose rules judge him — of his grids' types, the one asking the most patrol time a day (a
    worker serving a community and a village grid is held to the community's hours), the
    first grid's on a tie."""
    grids = [grid for grid, _ in own]
    types = list(dict.fromkeys(grid.type for grid in grids))
    governing = max(
        types,
        key=lambda kind: settings.rules_for(kind).min_patrol_minutes_day,
        default=None,
    )
    return Assignment(
        grid_ids=tuple(grid.grid_id for grid in grids),
        division_ids=tuple(dict.fromkeys(grid.division_id for grid in grids)),
        grid_type=governing,
    )


def measure(
    ctx: PatrolContext, worker_id: str, day: date, settings: PatrolSettings | None = None
) -> tuple[DayGeometry, Assignment]:
    """What the worker's day is measured against, read fresh from the registry read model:
    his grids that day with that day's boundaries, all the tenant's grids in force (one cover
    per tenant and day, shared by its workers), the key subjects of his grids with a known
    position; and his assignment (`assignment_of`)."""
    settings = settings or ctx.settings.recent()
    own, assignment = assignment_of(ctx, worker_id, day, settings)
    geometry = DayGeometry(
        own_grids=[boundary for _, boundary in own],
        tenant_grids=GEOMETRIES.tenant_cover(ctx, day),
        subjects=_located(ctx.registry.subjects_of_grids(assignment.grid_ids)),
    )
    return geometry, assignment


def _located(subjects: Iterable[SubjectRef]) -> list[tuple[str, str, float, float]]:
    """The key subjects a visit can be measured against: those with a known position."""
    return [
        (s.subject_id, s.category, s.location[0], s.location[1])
        for s in subjects
        if s.location is not None
    ]


def _subjects_digest(ctx: PatrolContext, grid_ids: Iterable[str]) -> str:
    """The fingerprint of the located key subjects of ``grid_ids`` as the registry read model
    holds them now (one equality read per grid)."""
    return subjects_digest(_located(ctx.registry.subjects_of_grids(grid_ids)))


def fold_stored(ctx: PatrolContext, batch: StoredBatch) -> PatrolDay | None:
    """Fold one worker-day's share of a stored chunk into the day; None when the day had
    taken that message already. A finalised day is judged again (a correction)."""
    settings = ctx.settings.recent()
    return _write(
        ctx,
        batch.worker_id,
        batch.day,
        lambda day: _folded(ctx, day, batch, settings),
        settings,
        judge=False,
    )


def fold_many(ctx: PatrolContext, batches: Sequence[StoredBatch]) -> list[StoredBatch]:
    """`fold_stored` for many worker-days of the context's tenant at once; returns the
    batches left for `fold_stored`, one by one.

    The days are read in one statement, their leases taken in one command and released in
    one, and each is written with one revision-checked update: a chunk of uploads costs about
    one round trip per worker-day instead of four. Left for the one-by-one path: a day not
    stored yet (its first fold, an insert), one to judge (finalised already, or its cut-off
    passed: a late upload, a correction), and one another writer changed or held meanwhile.
    """
    settings = ctx.settings.recent()
    now = ctx.now()
    stored = ctx.days.find_days([(batch.worker_id, batch.day) for batch in batches])
    alone: list[StoredBatch] = []
    ready: list[tuple[StoredBatch, PatrolDay]] = []
    for batch, current in zip(batches, stored, strict=True):
        if current is None or current.finalised or now >= settings.finalises_at(batch.day):
            alone.append(batch)
            continue
        changed = _folded(ctx, current, batch, settings)
        if changed is not None:
            ready.append((batch, changed))
    written = ctx.days.write_many([changed for _, changed in ready])
    alone += [batch for (batch, _), done in zip(ready, written, strict=True) if done is None]
    return alone


def _folded(
    ctx: PatrolContext, day: PatrolDay, batch: StoredBatch, settings: PatrolSettings
) -> PatrolDay | None:
    """``day`` with the batch folded in (rebuilt from the stored points when the batch came
    out of order or the worker's grids or their key subjects changed since); None when the
    day took that message already."""
    if day.has_folded(batch.partition, batch.offset):
        return None
    geometry, assignment = GEOMETRIES.get(ctx, batch.worker_id, batch.day)
    state = day.state.fold(batch.points, batch.heartbeats, geometry, settings.track)
    if (
        state.needs_rebuild
        or day.assignment_seen != assignment.grid_ids
        or day.subjects_seen != geometry.subjects_digest
    ):
        state = _rebuilt(ctx, day.worker_id, day.day, geometry, settings)
        metrics.REBUILDS.inc()
    return day.with_state(
        state,
        partition=batch.partition,
        offset=batch.offset,
        assignment_seen=assignment.grid_ids,
        subjects_seen=geometry.subjects_digest,
    )


def finalise_day(
    ctx: PatrolContext,
    day: date,
    subjects_by_grid: Mapping[str, list[SubjectRef]] | None = None,
) -> int:
    """Judge every worker of the tenant on ``day`` who has a stored day or a patrol role in a
    grid team that day; returns how many days were finalised now (0 on a re-run).

    A tenant's whole day is read at once — its open days, the assignments its judged days
    were judged with (no day states), its team memberships, the day's approved leave, its
    grids in force — so each worker costs one write: an insert for a worker who sent nothing,
    a revision-checked update otherwise. A worker whose day changed under the cut-off, or
    whose grids or their key subjects changed since the fold, takes the one-by-one path; a
    judged day whose grids, or the key subjects its points were measured against, changed
    since its verdict is judged again (a correction when the facts changed).
    ``subjects_by_grid``: the tenant's key subjects by grid (`tenant_subjects`), read by the
    caller once for many days; read here when needed otherwise."""
    settings = ctx.settings.recent()
    judged_as = ctx.days.judged_assignments(day)
    open_days = {patrol_day.worker_id: patrol_day for patrol_day in ctx.days.open_of_day(day)}
    memberships = [m for m in ctx.registry.memberships.all() if m.covers(day)]
    members = {m.user_id for m in memberships if m.user_id is not None and m.role in PATROL_ROLES}
    served: dict[str, set[str]] = {}
    for membership in memberships:
        if membership.user_id is not None:
            served.setdefault(membership.user_id, set()).add(membership.grid_id)
    in_force = ctx.registry.grids_in_force(day)
    if subjects_by_grid is None:
        with_points = any(_has_points(found) for found in open_days.values()) or any(
            verdict_on.subjects_seen is not None for verdict_on in judged_as.values()
        )
        subjects_by_grid = tenant_subjects(ctx) if with_points else {}
    excuses = ctx.leave.excuses_on(day)
    workday = CALENDAR.is_workday(day)
    finalised = 0
    for worker_id in sorted(set(judged_as) | set(open_days) | members):
        grids = served.get(worker_id, set())
        assignment = assignment_from([g for g in in_force if g[0].grid_id in grids], settings)
        if worker_id in judged_as:
            verdict_on = judged_as[worker_id]
            subjects_moved = verdict_on.subjects_seen is not None and verdict_on.subjects_seen != (
                _digest_of(assignment.grid_ids, subjects_by_grid)
            )
            if verdict_on.assignment != assignment or subjects_moved:
                # The registry's grids, team or key subjects changed after the verdict (an
                # event that arrived after the points): measured and judged again.
                _write(ctx, worker_id, day, lambda patrol_day: patrol_day, settings, judge=True)
            continue
        current = open_days.get(worker_id) or PatrolDay.start(ctx.tenant_id, worker_id, day)
        written: PatrolDay | None = None
        if _measured_as_now(current, assignment, subjects_by_grid):
            excuse = excuses.get(worker_id)
            judgement = Judgement(
                assignment=assignment,
                workday=workday,
                verdict=judge_day(
                    current.state.figures(),
                    settings.rules_for(assignment.grid_type),
                    workday=workday,
                    excuse=excuse,
                ),
                leave_id=None if excuse is None else excuse.leave_id,
                at=ctx.now(),
            )
            judged, events = current.judged(judgement)
            try:
                written = ctx.days.write(judged, events)
            except Conflict:
                written = None  # changed under us: judged below, one by one
            else:
                _count_judged(written, events)
        if written is None:

            def change(patrol_day: PatrolDay) -> PatrolDay | None:
                return None if patrol_day.finalised else patrol_day

            written = _write(ctx, worker_id, day, change, settings, judge=True)
        if written is not None:
            finalised += 1
            for kind in _periods_ending_on(day):
                total_period(ctx, worker_id, kind, day, settings)
    return finalised


def tenant_subjects(ctx: PatrolContext) -> dict[str, list[SubjectRef]]:
    """The tenant's active key subjects by grid, in one read: what the cut-off checks its
    days' folds against (a subject the registry's events brought after the points)."""
    found: dict[str, list[SubjectRef]] = {}
    for subject in ctx.registry.subjects.active():
        found.setdefault(subject.grid_id, []).append(subject)
    return found


def _digest_of(grid_ids: Iterable[str], subjects_by_grid: Mapping[str, list[SubjectRef]]) -> str:
    subjects = (s for grid_id in grid_ids for s in subjects_by_grid.get(grid_id, ()))
    return subjects_digest(_located(subjects))


def _measured_as_now(
    current: PatrolDay, assignment: Assignment, subjects_by_grid: Mapping[str, list[SubjectRef]]
) -> bool:
    """True when the day can be judged as folded: no points, or measured against the worker's
    grids and their key subjects as they stand now (else it is measured again first)."""
    if not _has_points(current):
        return True
    return current.assignment_seen == assignment.grid_ids and current.subjects_seen == (
        _digest_of(assignment.grid_ids, subjects_by_grid)
    )


def rejudge(ctx: PatrolContext, worker_id: str, days: Iterable[date]) -> int:
    """Judge again the finalised ``days`` of a worker (a leave was decided); returns how many
    corrections were published."""
    settings = ctx.settings.recent()
    corrected = 0
    for day in sorted(set(days)):
        before = ctx.days.find_day(worker_id, day)
        if before is None or not before.finalised:
            continue  # judged at its cut-off with the leave as it stands then

        def change(patrol_day: PatrolDay) -> PatrolDay | None:
            return patrol_day if patrol_day.finalised else None

        after = _write(ctx, worker_id, day, change, settings, judge=True)
        if after is not None and after.version > before.version:
            corrected += 1
    return corrected


def _write(
    ctx: PatrolContext,
    worker_id: str,
    day: date,
    change: Callable[[PatrolDay], PatrolDay | None],
    settings: PatrolSettings,
    *,
    judge: bool,
) -> PatrolDay | None:
    """Read the day, apply ``change`` (None: nothing to do), judge it when ``judge`` or when
    it was judged before or its cut-off has passed (a late first upload for a day nobody
    finalised), and write it with its events; a concurrent writer (another consumer after a
    rebalance, the cut-off) makes it read and try again."""
    for _ in range(WRITE_ATTEMPTS):
        current = ctx.days.find_day(worker_id, day) or PatrolDay.start(
            ctx.tenant_id, worker_id, day
        )
        changed = change(current)
        if changed is None:
            return None
        events: tuple[DomainEvent, ...] = ()
        if judge or changed.finalised or ctx.now() >= settings.finalises_at(day):
            changed, events = _judged(ctx, changed, settings)
        try:
            written = ctx.days.write(changed, events)
        except Conflict:
            continue
        _count_judged(written, events)
        if current.finalised and events:
            _retotal_closed_periods(ctx, worker_id, day, settings)
        return written
    raise Conflict(f"patrol day {worker_id} {day} kept changing under {WRITE_ATTEMPTS} writes")


def _judged(
    ctx: PatrolContext, patrol_day: PatrolDay, settings: PatrolSettings
) -> tuple[PatrolDay, tuple[DomainEvent, ...]]:
    """The day judged with the registry, leave and calendar as they stand now. The fold is
    rebuilt first when the worker's grids changed since it was measured."""
    _, assignment = assignment_of(ctx, patrol_day.worker_id, patrol_day.day, settings)
    if _has_points(patrol_day) and (
        patrol_day.assignment_seen != assignment.grid_ids
        or patrol_day.subjects_seen != _subjects_digest(ctx, assignment.grid_ids)
    ):
        geometry, _ = measure(ctx, patrol_day.worker_id, patrol_day.day, settings)
        patrol_day = patrol_day.with_state(
            _rebuilt(ctx, patrol_day.worker_id, patrol_day.day, geometry, settings),
            assignment_seen=assignment.grid_ids,
            subjects_seen=geometry.subjects_digest,
        )
    excuse = ctx.leave.excuse_for(patrol_day.worker_id, patrol_day.day)
    verdict = judge_day(
        patrol_day.state.figures(),
        settings.rules_for(assignment.grid_type),
        workday=CALENDAR.is_workday(patrol_day.day),
        excuse=excuse,
    )
    judgement = Judgement(
        assignment=assignment,
        workday=CALENDAR.is_workday(patrol_day.day),
        verdict=verdict,
        leave_id=None if excuse is None else excuse.leave_id,
        at=ctx.now(),
    )
    judged, events = patrol_day.judged(judgement)
    return judged, tuple(events)


def _rebuilt(
    ctx: PatrolContext,
    worker_id: str,
    day: date,
    geometry: DayGeometry,
    settings: PatrolSettings,
) -> DayState:
    return DayState.rebuild(
        day,
        ctx.points.points_of_day(worker_id, day),
        ctx.points.heartbeats_of_day(worker_id, day),
        geometry,
        settings.track,
    )


def due_days(settings: PatrolSettings, now: datetime, last_finalised: date | None) -> list[date]:
    """The days to (re)check at ``now``: every day whose cut-off has passed and that phones
    may still change (the last `upload_window_days` before the latest due day), and every
    day after ``last_finalised`` before them (the job was down longer than the window).

    Re-checking the window each run judges a worker whose team membership arrived late for a
    day he served (the registry's history says he did) and costs one read per day: workers
    already judged are skipped without a write."""
    latest = now.astimezone(TENANT_ZONE).date()
    while settings.finalises_at(latest) > now:
        latest -= timedelta(days=1)
    first = latest - timedelta(days=settings.ingest.upload_window_days)
    if last_finalised is not None and last_finalised < first:
        first = last_finalised + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((latest - first).days + 1)]


CUT_OFF_ACTOR = "patrol_tracking:cut-off"


# How long after a day's cut-off every run still re-checks the window although nothing in the
# registry changed: a fold that read its clock just before the cut-off may write the day open
# after the run read it (every later fold judges the day itself).
RECHECK_GRACE = timedelta(minutes=10)


def finalise_due(now: datetime) -> int:
    """The worker's cut-off job: for every tenant, finalise each day whose cut-off has passed
    and that its last run did not finish (after an outage, every missed day in order);
    returns how many worker-days were finalised.

    A tenant whose last run re-checked the whole window after the grace, against the registry
    fingerprint it still has, is skipped without reading its days: late points and leave
    judge their days themselves, so only a new due day or a registry change (a late team
    membership, a moved grid or key subject) gives the re-check anything to do."""
    fingerprints = FinalisationMarks.registry_fingerprints()
    progress = FinalisationMarks.progress()
    finalised = 0
    tenants = set(fingerprints) | set(progress) | FinalisationMarks.open_day_tenants()
    for tenant_id in sorted(tenants):
        ctx = PatrolContext(tenant_id=tenant_id, actor=CUT_OFF_ACTOR, clock=lambda: now)
        settings = ctx.settings.recent()
        mark = progress.get(tenant_id)
        days = due_days(settings, now, None if mark is None else mark.last_day)
        fingerprint = fingerprints.get(tenant_id, "")
        if mark is not None and _settled(mark, days[-1], fingerprint, settings):
            metrics.CUT_OFF_TENANTS.labels(outcome="unchanged").inc()
            continue
        metrics.CUT_OFF_TENANTS.labels(outcome="checked").inc()
        subjects_by_grid = tenant_subjects(ctx)  # once per tenant and run, for every day
        for day in days:
            finalised += finalise_day(ctx, day, subjects_by_grid)
            last = day == days[-1]
            ctx.finalisation.advance(
                day, checked=fingerprint if last else None, at=now if last else None
            )
    return finalised


def _settled(
    mark: CutOffProgress, latest: date, fingerprint: str, settings: PatrolSettings
) -> bool:
    """True when the tenant's window needs no run: no new day is due, and the last full
    re-check came after the latest day's grace with the registry as it is now."""
    return (
        latest <= mark.last_day
        and mark.checked == fingerprint
        and mark.checked_at is not None
        and mark.checked_at >= settings.finalises_at(latest) + RECHECK_GRACE
    )


def drop_expired(now: datetime) -> int:
    """The worker's retention job: raw points and heartbeats older than each tenant's
    `retention_days` are deleted (the days' figures and verdicts stay); returns how many."""
    dropped = 0
    for tenant_id in FinalisationMarks.tenants():
        ctx = PatrolContext(tenant_id=tenant_id, actor=CUT_OFF_ACTOR, clock=lambda: now)
        settings = ctx.settings.recent()
        oldest_kept = now.astimezone(TENANT_ZONE).date() - timedelta(days=settings.retention_days)
        points, heartbeats = ctx.points.drop_before(oldest_kept)
        dropped += points + heartbeats
    return dropped


def _periods_ending_on(day: date) -> list[PeriodKind]:
    kinds: list[PeriodKind] = []
    if day.weekday() == 6:
        kinds.append("week")
    if (day + timedelta(days=1)).day == 1:
        kinds.append("month")
    return kinds


def _retotal_closed_periods(
    ctx: PatrolContext, worker_id: str, day: date, settings: PatrolSettings
) -> None:
    """After a correction of ``day``: the week and month holding it are totalled again when
    their last day is judged already (else they are totalled when it is)."""
    kinds: tuple[PeriodKind, ...] = ("week", "month")
    for kind in kinds:
        _, _, last = period_of(kind, day)
        closing = ctx.days.find_day(worker_id, last)
        if closing is not None and closing.finalised:
            total_period(ctx, worker_id, kind, day, settings)


def total_period(
    ctx: PatrolContext, worker_id: str, kind: PeriodKind, day: date, settings: PatrolSettings
) -> bool:
    """Sum the worker's judged days of the week or month holding ``day`` and publish
    `patrol.period_totals` when they are new or changed; True when published."""
    name, first, last = period_of(kind, day)
    # A week reaches into the months beside it; a monthly subject's window is its month.
    around_first, _ = period_of("month", first - timedelta(days=6))[1:]
    _, around_last = period_of("month", last + timedelta(days=6))[1:]
    known = _days_between(ctx, worker_id, around_first, around_last)
    judged = [d for d in known if first <= d.day <= last and d.judgement is not None]
    if not judged:
        return False
    entries = [(d.day, d.state.figures(), d.judgement.verdict) for d in judged if d.judgement]
    assignment = judged[-1].judgement.assignment if judged[-1].judgement else None
    rules = settings.rules_for(None if assignment is None else assignment.grid_type)
    grid_ids = tuple(
        dict.fromkeys(g for d in judged if d.judgement for g in d.judgement.assignment.grid_ids)
    )
    excused = {
        d.day
        for d in known
        if d.judgement is not None and d.judgement.verdict.status is VerdictStatus.EXCUSED
    }
    subjects = [
        CycledSubject(s.subject_id, s.category, VisitCycle(s.visit_cycle))
        for s in ctx.registry.subjects_of_grids(grid_ids)
    ]
    visits = [visit for d in known for visit in d.state.figures().visits]
    missed = missed_visits(
        subjects,
        visits,
        first,
        last,
        lambda when: CALENDAR.is_workday(when) and when not in excused,
    )
    totals = PeriodTotals(
        kind=kind,
        period=name,
        first_day=first,
        last_day=last,
        grid_ids=grid_ids,
        week=week_totals(entries, rules) if kind == "week" else None,
        month=month_totals(entries, rules) if kind == "month" else None,
        missed=missed,
        longest_failing_streak=longest_failing_streak([verdict for _, _, verdict in entries]),
    )
    for _ in range(WRITE_ATTEMPTS):
        period = ctx.periods.find_period(worker_id, kind, name)
        totalled, events = period.totalled(totals, ctx.now())
        if not events:
            return False
        try:
            ctx.periods.write(totalled, events)
        except Conflict:
            continue
        return True
    raise Conflict(f"patrol {kind} {name} of {worker_id} kept changing")


def _days_between(ctx: PatrolContext, worker_id: str, first: date, last: date) -> list[PatrolDay]:
    """The worker's stored days from ``first`` to ``last`` (one read per month)."""
    months = sorted(
        {(first + timedelta(days=n)).isoformat()[:7] for n in range((last - first).days + 1)}
    )
    found = [d for month in months for d in ctx.days.of_month(worker_id, month)]
    return sorted((d for d in found if first <= d.day <= last), key=lambda d: d.day)


def _count_judged(written: PatrolDay, events: Sequence[DomainEvent]) -> None:
    for event in events:
        fact = "finalised" if event.type == PatrolDayFinalised.type else "corrected"
        status = written.judgement.verdict.status.value if written.judgement else "open"
        metrics.JUDGED.labels(fact, status).inc()


def _has_points(patrol_day: PatrolDay) -> bool:
    """Whether any fix of the day reached the fold, kept or not: one filtered out as outside
    every grid may count once the grid it lies in is known."""
    return bool(patrol_day.state.points_accepted or patrol_day.state.points_rejected)
