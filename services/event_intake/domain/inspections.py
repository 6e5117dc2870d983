"""Inspections (督查) of grids and the rectification (整改) each finding asks for.

Three kinds, as seed 001 counts them:
- `daily_patrol` (日常巡查): an inspector's finding; no deduction by itself, but it must be
  rectified by its deadline;
- `spot_check` (不定期抽查 / 暗访): counts at once; late rectification counts again (double);
- `resident_complaint` (群众投诉举报): the centre records it and verifies it (核实); only a
  verified complaint counts and gets a rectification deadline, an unverified one is dismissed.

An `Inspection` is immutable. `record` creates one; `transition` applies one `Action`, raising
`StateConflict` (409), `PermissionDenied` (403) or `InvalidInput` (422) like the other intake
domains::

    open (patrol, spot check)   --rectify (grid worker, centre)--> rectified
    reported (complaint) --verify (centre)--> verified --rectify--> rectified
    reported --dismiss (centre)--> not_verified
    rectified --confirm (centre)--> confirmed
    rectified --confirm, not accepted (centre)--> open | verified (a new rectification due)

Who: inspectors and the centre record patrol and spot-check findings; the centre records,
verifies and dismisses complaints and confirms rectifications; the grid's worker (a user on the
grid's team that day) or the centre submits a rectification. A rectification the centre does
not accept (整改不到位) sends the finding back to wait for a new one; its deadline stands.

A rectification deadline that passes before a rectification arrives is recorded once as
`inspection.overdue` (by the scheduler through `record_overdue`, or by the late rectification
itself): for a spot check that is its own scored fact.

Payloads carry ids, codes, dates, instants and flags: never a description, evidence text,
reason, or anything about the complainant (who is not stored at all).

History, request ids and the capacity check are the intake workflow core's
(`services.event_intake.domain.workflow`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from services.event_intake.domain import workflow
from services.event_intake.domain.tasks import Evidence
from services.event_intake.domain.workflow import (
    ActingAs,
    Actor,
    HistoryEntry,
    WorkflowEvent,
    entry_payload,
    is_centre,
    iso,
    request_id_of,
    text,
)
from shared.auth.principal import Role
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

DESCRIPTION_MAX = 2000
EVIDENCE_MAX = 2000
REASON_MAX = workflow.REASON_MAX
PHOTOS_MAX = 20
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Kind(StrEnum):
    DAILY_PATROL = "daily_patrol"
    SPOT_CHECK = "spot_check"
    RESIDENT_COMPLAINT = "resident_complaint"


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    SERIOUS = "serious"


class State(StrEnum):
    OPEN = "open"
    REPORTED = "reported"
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    RECTIFIED = "rectified"
    CONFIRMED = "confirmed"


class Action(StrEnum):
    RECORD = "record"
    VERIFY = "verify"
    DISMISS = "dismiss"
    RECTIFY = "rectify"
    CONFIRM = "confirm"
    REJECT_RECTIFICATION = "reject_rectification"


# States in which a rectification is awaited: its deadline runs.
AWAITING = frozenset({State.OPEN, State.VERIFIED})

_CENTRE = (ActingAs.CENTRE,)
_RECORDERS: Mapping[Kind, tuple[ActingAs, ...]] = {
    Kind.DAILY_PATROL: (ActingAs.INSPECTOR, ActingAs.CENTRE),
    Kind.SPOT_CHECK: (ActingAs.INSPECTOR, ActingAs.CENTRE),
    Kind.RESIDENT_COMPLAINT: _CENTRE,
}


# A rule leading to None sends the finding back to await a new rectification.
Rule = workflow.Rule[State | None]

_RECTIFIERS = (ActingAs.GRID_WORKER, ActingAs.CENTRE)

# (state, action) -> rule; anything not listed is a 409.
TRANSITIONS: Mapping[tuple[State, Action], Rule] = {
    (State.REPORTED, Action.VERIFY): Rule(State.VERIFIED, _CENTRE),
    (State.REPORTED, Action.DISMISS): Rule(State.NOT_VERIFIED, _CENTRE),
    (State.OPEN, Action.RECTIFY): Rule(State.RECTIFIED, _RECTIFIERS),
    (State.VERIFIED, Action.RECTIFY): Rule(State.RECTIFIED, _RECTIFIERS),
    (State.RECTIFIED, Action.CONFIRM): Rule(State.CONFIRMED, _CENTRE),
    (State.RECTIFIED, Action.REJECT_RECTIFICATION): Rule(None, _CENTRE),
}

REASON_REQUIRED = frozenset({Action.DISMISS, Action.REJECT_RECTIFICATION})


@dataclass(frozen=True)
class Transition(HistoryEntry[Action, State]):
    """One entry of an inspection's history."""


@dataclass(frozen=True)
class Inspection:
    inspection_id: str
    tenant_id: str
    kind: Kind
    grid_id: str
    worker_id: str | None
    found_on: date
    category: str
    severity: Severity | None
    description: str
    photo_ids: tuple[str, ...]
    state: State
    recorded_by: str
    recorded_at: datetime
    rectification_deadline: datetime | None
    verified: bool | None = None
    verified_at: datetime | None = None
    rectified_at: datetime | None = None
    rectified_on_time: bool | None = None
    evidence: Evidence | None = None
    rejected_rectifications: int = 0
    confirmed_at: datetime | None = None
    overdue: bool = False
    history: tuple[Transition, ...] = field(default_factory=tuple)
    revision: int = 0

    @property
    def deadline_pending(self) -> bool:
        """A rectification is awaited, its deadline not yet recorded as missed."""
        return (
            self.state in AWAITING and self.rectification_deadline is not None and not self.overdue
        )


# --- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionEvent(WorkflowEvent[Transition]):
    """What happened to one inspection; `inspection` is its state afterwards, `entry` the
    history entry (None for `InspectionOverdue`, which the system records)."""

    inspection: Inspection

    @property
    def aggregate_id(self) -> str:
        return self.inspection.inspection_id

    def payload(self) -> dict[str, Any]:
        """Ids, codes, dates, instants and flags; never description, evidence or reasons."""
        found, entry = self.inspection, self.entry
        return {
            "inspection_id": found.inspection_id,
            "kind": found.kind.value,
            "grid_id": found.grid_id,
            "worker_id": found.worker_id,
            "category": found.category,
            "severity": None if found.severity is None else found.severity.value,
            "state": found.state.value,
            **entry_payload(entry),
            "found_on": found.found_on.isoformat(),
            "recorded_at": found.recorded_at.isoformat(),
            "verified": found.verified,
            "verified_at": iso(found.verified_at),
            "rectification_deadline": iso(found.rectification_deadline),
            "rectified_at": iso(found.rectified_at),
            "rectified_on_time": found.rectified_on_time,
            "rejected_rectifications": found.rejected_rectifications,
            "confirmed_at": iso(found.confirmed_at),
            "overdue": found.overdue,
        }


@dataclass(frozen=True)
class InspectionRecorded(InspectionEvent):
    type: ClassVar[str] = "inspection.recorded"


@dataclass(frozen=True)
class InspectionVerified(InspectionEvent):
    type: ClassVar[str] = "inspection.verified"


@dataclass(frozen=True)
class InspectionDismissed(InspectionEvent):
    type: ClassVar[str] = "inspection.dismissed"


@dataclass(frozen=True)
class InspectionRectified(InspectionEvent):
    type: ClassVar[str] = "inspection.rectified"


@dataclass(frozen=True)
class InspectionConfirmed(InspectionEvent):
    type: ClassVar[str] = "inspection.confirmed"


@dataclass(frozen=True)
class InspectionRectificationRejected(InspectionEvent):
    type: ClassVar[str] = "inspection.rectification_rejected"


@dataclass(frozen=True)
class InspectionOverdue(InspectionEvent):
    type: ClassVar[str] = "inspection.overdue"


RECORDED: Mapping[Action, type[InspectionEvent]] = {
    Action.VERIFY: InspectionVerified,
    Action.DISMISS: InspectionDismissed,
    Action.RECTIFY: InspectionRectified,
    Action.CONFIRM: InspectionConfirmed,
    Action.REJECT_RECTIFICATION: InspectionRectificationRejected,
}


# --- who -----------------------------------------------------------------------------------


def capacities(actor: Actor, grid_id: str) -> list[ActingAs]:
    """Every capacity in which `actor` may act on an inspection of `grid_id`."""
    found: list[ActingAs] = []
    if is_centre(actor):
        found.append(ActingAs.CENTRE)
    if Role.INSPECTOR in actor.roles:
        found.append(ActingAs.INSPECTOR)
    if grid_id in actor.grid_ids:
        found.append(ActingAs.GRID_WORKER)
    return found


def _acting_as(
    actor: Actor, tenant_id: str, grid_id: str, allowed: Sequence[ActingAs], what: str
) -> ActingAs:
    return workflow.acting_as(
        actor,
        tenant_id=tenant_id,
        noun="inspection",
        held=capacities(actor, grid_id),
        allowed=allowed,
        what=what,
    )


# --- checks --------------------------------------------------------------------------------


def _photos(photo_ids: Sequence[str] | None) -> tuple[str, ...]:
    photos = tuple(photo_ids or ())
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput.of("photo_ids", f"at most {PHOTOS_MAX} photos")
    for index, photo in enumerate(photos):
        if not isinstance(photo, str) or not _ID.match(photo):
            raise InvalidInput.of(f"photo_ids.{index}", "is not an id")
    if len(set(photos)) != len(photos):
        raise InvalidInput.of("photo_ids", "names a photo twice")
    return photos


def _deadline(deadline: datetime | None, now: datetime) -> datetime:
    if deadline is None:
        raise InvalidInput.of("rectification_deadline", "is required")
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        raise InvalidInput.of("rectification_deadline", "must carry a timezone")
    if deadline <= now:
        raise InvalidInput.of("rectification_deadline", "must be in the future")
    return deadline


def _finding_problems(
    *,
    grid_id: str,
    worker_id: str | None,
    category: str,
    severity: Severity | str | None,
    found_on: date,
    today: date,
) -> tuple[list[FieldProblem], Severity | None]:
    """What is wrong with a finding's ids, codes and date; its severity when it is one."""
    problems: list[FieldProblem] = []
    if not grid_id or not _ID.match(grid_id):
        problems.append(FieldProblem("grid_id", "is not an id"))
    if worker_id is not None and not _ID.match(worker_id):
        problems.append(FieldProblem("worker_id", "is not an id"))
    if not category or not _CODE.match(category):
        problems.append(FieldProblem("category", "is not a code (a-z, 0-9, _ . -; at most 64)"))
    level: Severity | None = None
    if severity is not None:
        try:
            level = Severity(severity)
        except ValueError:
            problems.append(FieldProblem("severity", "is not minor, major or serious"))
    if found_on > today:
        problems.append(FieldProblem("found_on", "is in the future"))
    return problems, level


# --- record --------------------------------------------------------------------------------


def record(
    *,
    inspection_id: str,
    tenant_id: str,
    actor: Actor,
    kind: Kind | str,
    grid_id: str,
    worker_id: str | None,
    found_on: date,
    today: date,
    category: str,
    severity: Severity | str | None,
    description: str | None,
    photo_ids: Sequence[str] | None,
    rectification_deadline: datetime | None,
    now: datetime,
    request_id: str | None = None,
) -> tuple[Inspection, InspectionRecorded]:
    """A new finding (`open`, its rectification deadline required) or complaint (`reported`,
    no deadline until verified). `today` is the Asia/Shanghai day of `now`: nothing is found
    in the future. Whether the grid and worker exist is the use case's check."""
    require_aware(now)
    try:
        kind = Kind(kind)
    except ValueError:
        raise InvalidInput.of(
            "kind", "is not daily_patrol, spot_check or resident_complaint"
        ) from None
    problems, level = _finding_problems(
        grid_id=grid_id,
        worker_id=worker_id,
        category=category,
        severity=severity,
        found_on=found_on,
        today=today,
    )
    texts: dict[str, Any] = {}
    for name, run in (
        ("description", lambda: text(description, "description", DESCRIPTION_MAX, required=False)),
        ("photo_ids", lambda: _photos(photo_ids)),
        ("request_id", lambda: request_id_of(request_id)),
    ):
        try:
            texts[name] = run()
        except InvalidInput as exc:
            problems.extend(exc.problems)
    deadline: datetime | None = None
    if kind is Kind.RESIDENT_COMPLAINT:
        if rectification_deadline is not None:
            problems.append(
                FieldProblem("rectification_deadline", "a complaint gets one when verified")
            )
    else:
        try:
            deadline = _deadline(rectification_deadline, now)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    acting_as = _acting_as(actor, tenant_id, grid_id, _RECORDERS[kind], f"record a {kind.value} of")
    state = State.REPORTED if kind is Kind.RESIDENT_COMPLAINT else State.OPEN
    entry = Transition(
        action=Action.RECORD,
        actor=actor.user_id,
        acting_as=acting_as,
        at=now,
        from_state=None,
        to_state=state,
        request_id=texts["request_id"],
    )
    inspection = Inspection(
        inspection_id=inspection_id,
        tenant_id=tenant_id,
        kind=kind,
        grid_id=grid_id,
        worker_id=worker_id,
        found_on=found_on,
        category=category,
        severity=level,
        description=texts["description"] or "",
        photo_ids=texts["photo_ids"],
        state=state,
        recorded_by=actor.user_id,
        recorded_at=now,
        rectification_deadline=deadline,
        history=(entry,),
    )
    return inspection, InspectionRecorded(inspection=inspection, entry=entry, occurred_at=now)


# --- transitions ---------------------------------------------------------------------------


def transition(
    inspection: Inspection,
    action: Action | str,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None = None,
    rectification_deadline: datetime | None = None,
    evidence: str | None = None,
    photo_ids: Sequence[str] | None = None,
    request_id: str | None = None,
) -> tuple[Inspection, tuple[InspectionEvent, ...]]:
    """Apply `action` by `actor` at `now`; see the module docstring for the rules.

    `verify` needs the `rectification_deadline`; `rectify` needs `evidence` (text) and may
    name `photo_ids`; `dismiss` and `reject_rectification` need a `reason`. A late
    rectification of a finding not yet recorded overdue records `inspection.overdue` first.
    """
    require_aware(now)
    action = workflow.parse_action(
        Action, action, creation=Action.RECORD, use="use record() to create an inspection"
    )
    request = request_id_of(request_id)
    if workflow.replayed(inspection.history, request, action):
        return inspection, ()
    rule = TRANSITIONS.get((inspection.state, action))
    if rule is None:
        verb = action.value.replace("_", " ")
        raise StateConflict(f"cannot {verb} an inspection that is {inspection.state.value}")
    acting_as = _acting_as(
        actor, inspection.tenant_id, inspection.grid_id, rule.by, action.value.replace("_", " ")
    )
    why = text(reason, "reason", REASON_MAX, required=action in REASON_REQUIRED)
    target = rule.to or (
        State.VERIFIED if inspection.kind is Kind.RESIDENT_COMPLAINT else State.OPEN
    )
    changes: dict[str, Any] = {"state": target}
    recorded: list[InspectionEvent] = []
    if action is Action.VERIFY:
        changes.update(
            verified=True,
            verified_at=now,
            rectification_deadline=_deadline(rectification_deadline, now),
        )
    elif action is Action.DISMISS:
        changes.update(verified=False, verified_at=now)
    elif action is Action.RECTIFY:
        shown = text(evidence, "evidence", EVIDENCE_MAX, required=True) or ""
        changes.update(
            evidence=Evidence(text=shown, photo_ids=_photos(photo_ids)),
            rectified_at=now,
            rectified_on_time=inspection.rectification_deadline is None
            or now <= inspection.rectification_deadline,
        )
        inspection, late = record_overdue(inspection, now)
        recorded.extend(late)
    elif action is Action.CONFIRM:
        changes["confirmed_at"] = now
    elif action is Action.REJECT_RECTIFICATION:
        changes.update(
            evidence=None,
            rectified_at=None,
            rectified_on_time=None,
            rejected_rectifications=inspection.rejected_rectifications + 1,
        )
    entry = Transition(
        action=action,
        actor=actor.user_id,
        acting_as=acting_as,
        at=now,
        from_state=inspection.state,
        to_state=target,
        reason=why,
        request_id=request,
    )
    updated = replace(inspection, **changes, history=(*inspection.history, entry))
    recorded.append(RECORDED[action](inspection=updated, entry=entry, occurred_at=now))
    return updated, tuple(recorded)


# --- overdue -------------------------------------------------------------------------------


def record_overdue(
    inspection: Inspection, now: datetime
) -> tuple[Inspection, tuple[InspectionOverdue, ...]]:
    """`InspectionOverdue` when the rectification deadline passed while a rectification is
    awaited, at most once per inspection; otherwise unchanged and nothing recorded."""
    return workflow.overdue_once(
        inspection,
        inspection.rectification_deadline,
        now,
        lambda late: InspectionOverdue(inspection=late, entry=None, occurred_at=now),
    )
