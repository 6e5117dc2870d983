"""A worker's patrol day as a record (巡查日): the fold of its points, then its judgement.

While the day runs, batches of points are folded into its `DayState` (`domain.day`), each
Kafka offset once: the day remembers the last offset it folded per partition, and a worker's
messages all travel on one partition, so a redelivered message changes nothing.

At the tenant's cut-off the day is judged (`domain.compliance`) and `patrol.day_finalised`
published; a later change of its facts (late points inside the upload window, a leave decided
afterwards, a team change) judges it again and publishes `patrol.day_corrected` with the next
version — only when what scoring reads changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, ClassVar

from services.patrol_tracking.domain.compliance import DayVerdict
from services.patrol_tracking.domain.day import DayState, day_bounds_ms
from services.patrol_tracking.domain.figures import DayFigures, GapKind
from shared.clock import require_aware

# The team roles whose days are judged (the seeds assess 专职网格员): a member in one of these
# roles on a day without a single point still gets that day finalised (not patrolled).
PATROL_ROLES = frozenset({"full_time_worker", "grid_worker"})
_VISIT_CATEGORIES = ("key_person", "special_group", "care_recipient", "hazard_place")


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where the worker served on the day: his grids (in code order), their divisions, and the
    grid type whose rules judge the day (the first grid's)."""

    grid_ids: tuple[str, ...] = ()
    division_ids: tuple[str, ...] = ()
    grid_type: str | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict on the day and what it rests on."""

    assignment: Assignment
    workday: bool
    verdict: DayVerdict
    leave_id: str | None
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class _DayFact:
    """The day's figures and verdict as scoring reads them (`patrol.day_*`)."""

    type: ClassVar[str]
    version: ClassVar[int] = 1

    worker_id: str
    day: date
    fact_version: int
    previous_status: str | None
    judgement: Judgement
    figures: DayFigures
    gap_class: str | None
    occurred_at: datetime

    @property
    def aggregate_id(self) -> str:
        return self.worker_id

    def payload(self) -> Mapping[str, Any]:
        return {
            **_facts(self.worker_id, self.day, self.judgement, self.figures, self.gap_class),
            "version": self.fact_version,
            "previous_status": self.previous_status,
            "finalised_at": self.judgement.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PatrolDayFinalised(_DayFact):
    type: ClassVar[str] = "patrol.day_finalised"


@dataclass(frozen=True, slots=True)
class PatrolDayCorrected(_DayFact):
    type: ClassVar[str] = "patrol.day_corrected"


@dataclass(frozen=True)
class PatrolDay:
    """One worker's day: the fold so far, the offsets it took, and its judgement if any."""

    tenant_id: str
    worker_id: str
    day: date
    state: DayState
    folded: Mapping[int, int] = field(default_factory=dict)
    version: int = 0  # 0 while open; the version of the last published judgement after
    judgement: Judgement | None = None
    # The worker's grids and their key subjects (`track.subjects_digest`) the fold measured
    # against: the day is rebuilt when either changed.
    assignment_seen: tuple[str, ...] = ()
    subjects_seen: str = ""
    # The fingerprint of the facts last published for the day (`facts_digest`): a later
    # judgement publishes a correction exactly when they differ ("" for days stored before).
    published: str = ""
    revision: int = 0  # the store's; 0: never written

    @classmethod
    def start(cls, tenant_id: str, worker_id: str, day: date) -> PatrolDay:
        return cls(tenant_id=tenant_id, worker_id=worker_id, day=day, state=DayState.start(day))

    @property
    def key(self) -> str:
        return day_key(self.worker_id, self.day)

    @property
    def finalised(self) -> bool:
        return self.version > 0

    def has_folded(self, partition: int, offset: int) -> bool:
        """True when the message at ``offset`` of ``partition`` is already in the state."""
        last = self.folded.get(partition)
        return last is not None and offset <= last

    def with_state(
        self,
        state: DayState,
        *,
        assignment_seen: tuple[str, ...],
        subjects_seen: str,
        partition: int | None = None,
        offset: int | None = None,
    ) -> PatrolDay:
        """The day with ``state``, measured against the grids ``assignment_seen`` and the key
        subjects ``subjects_seen``, after the message at ``offset`` of ``partition`` (when a
        message brought it)."""
        folded = dict(self.folded)
        if partition is not None and offset is not None:
            folded[partition] = offset
        return replace(
            self,
            state=state,
            folded=folded,
            assignment_seen=assignment_seen,
            subjects_seen=subjects_seen,
        )

    def judged(self, judgement: Judgement) -> tuple[PatrolDay, tuple[_DayFact, ...]]:
        """The day with ``judgement``: the first one publishes `patrol.day_finalised`, a later
        one `patrol.day_corrected` when the facts scoring reads changed (else nothing)."""
        figures = self.state.figures()
        silence = gap_class(self.state)
        facts = _facts(self.worker_id, self.day, judgement, figures, silence)
        digest = facts_digest(facts)
        if self.judgement is not None:
            if self.published:
                unchanged = digest == self.published  # against what scoring has
            else:  # stored before the fingerprint: the verdict's own facts as before
                unchanged = facts == _facts(
                    self.worker_id, self.day, self.judgement, figures, silence
                )
            if unchanged:
                return self, ()
        version = self.version + 1
        previous = None if self.judgement is None else self.judgement.verdict.status.value
        kind = PatrolDayFinalised if self.judgement is None else PatrolDayCorrected
        fact = kind(
            worker_id=self.worker_id,
            day=self.day,
            fact_version=version,
            previous_status=previous,
            judgement=judgement,
            figures=figures,
            gap_class=silence,
            occurred_at=judgement.at,
        )
        return replace(self, version=version, judgement=judgement, published=digest), (fact,)


def facts_digest(facts: Mapping[str, Any]) -> str:
    """A short fingerprint of a day's published facts (canonical JSON)."""
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def day_key(worker_id: str, day: date) -> str:
    return f"{worker_id}|{day.isoformat()}"


def gap_class(state: DayState) -> str | None:
    """Why the worker's phone showed no patrol (轨迹中断原因), as the day's verdict says it: for a
    day without a single accepted fix, the class of the whole day from its heartbeats (none:
    the phone was silent); otherwise the class of its longest gap between sessions, None
    without gaps. Tells "the phone stopped reporting" from "the worker stopped patrolling"."""
    figures = state.figures()
    if figures.points_accepted == 0:
        start_ms, end_ms = day_bounds_ms(state.day)
        return state.heartbeats.classify(start_ms - 1, end_ms).value
    if not figures.gaps:
        return None
    longest = max(figures.gaps, key=lambda gap: (gap.seconds, gap.start))
    return longest.kind.value


def _facts(
    worker_id: str,
    day: date,
    judgement: Judgement,
    figures: DayFigures,
    silence: str | None,
) -> dict[str, Any]:
    """What scoring reads of a day: ids, flags and whole numbers, no positions or text."""
    gap_s = dict.fromkeys(GapKind, 0)
    for gap in figures.gaps:
        gap_s[gap.kind] += gap.seconds
    visits = dict.fromkeys(_VISIT_CATEGORIES, 0)
    for visit in figures.visits:
        if visit.category in visits:
            visits[visit.category] += 1
    verdict = judgement.verdict
    assignment = judgement.assignment
    return {
        "worker_id": worker_id,
        "day": day.isoformat(),
        "grid_ids": list(assignment.grid_ids),
        "division_ids": list(assignment.division_ids),
        "grid_type": assignment.grid_type,
        "workday": judgement.workday,
        "status": verdict.status.value,
        "short": verdict.short,
        "reasons": [reason.code.value for reason in verdict.reasons],
        "leave_id": judgement.leave_id,
        "online_s": figures.online_s,
        "patrol_s": figures.patrol_s,
        "distance_m": figures.distance_m,
        "own_grid_s": figures.own_grid_s,
        "own_grid_m": figures.own_grid_m,
        "morning": figures.morning,
        "afternoon": figures.afternoon,
        "sessions": figures.sessions,
        "points_accepted": figures.points_accepted,
        "points_rejected": figures.points_rejected,
        "phone_silent_s": gap_s[GapKind.PHONE_SILENT],
        "gps_off_s": gap_s[GapKind.GPS_OFF],
        "battery_saver_s": gap_s[GapKind.BATTERY_SAVER],
        "not_patrolling_s": gap_s[GapKind.NOT_PATROLLING],
        "gap_class": silence,
        **{f"{category}_visits": count for category, count in visits.items()},
        "visited_subject_ids": sorted({visit.subject_id for visit in figures.visits}),
    }
