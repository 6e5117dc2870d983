"""Leave and work clashes (请假 / 工作冲突): why a worker did not patrol on a working day.

Seed 001: 网格员因工作冲突或请假未能巡查的需3日内报网格化集成管理中心备案. A `LeaveFiling`
names one worker and one day or a span of days, its kind (`leave` or `clash`) and a reason
(free text, kept in this service and never published). The worker files for himself, or
centre staff file for him; centre staff approve or reject it; the filer may withdraw it while
it waits.

An APPROVED filing excuses a day only when it was filed in time: the Asia/Shanghai date of
`filed_at` is at most `limit_days` after the day (a filing in advance always counts). The
limit is the tenant's (`leave_limit_days`) as it stood when the filing was made, kept on the
filing, so changing the setting later does not turn yesterday's timely filing into a late
one. A late filing can still be approved (the record that the worker was on leave stands) but
excuses nothing: the day is judged as any other.

Published payloads carry ids, days, the kind, flags and the actor: never the reason text.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Final
from zoneinfo import ZoneInfo

from shared.auth.principal import Role
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, PermissionDenied, StateConflict

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
ID_MAX = 64
REASON_MAX = 500
DEFAULT_LIMIT_DAYS = 3
# A filing covers at most a month; longer absences are a staffing matter, not patrol leave.
MAX_SPAN_DAYS = 31
# How far back a (late) filing may reach, and how far ahead one may be filed.
MAX_PAST_DAYS = 92
MAX_AHEAD_DAYS = 92
CENTRE_ROLES: Final = frozenset({Role.CENTER_STAFF.value, Role.TENANT_ADMIN.value})
# Who reads every filing of the tenant (the grid roles read only their own).
TENANT_READERS: Final = CENTRE_ROLES | {Role.INSPECTOR.value}


class LeaveKind(StrEnum):
    LEAVE = "leave"  # 请假
    CLASH = "clash"  # 工作冲突: other duties kept the worker from patrolling


class LeaveStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


KIND_VALUES = tuple(kind.value for kind in LeaveKind)
STATUS_VALUES = tuple(status.value for status in LeaveStatus)


def today_in_tenant(now: datetime) -> date:
    """The Asia/Shanghai calendar day of the instant ``now``."""
    return require_aware(now).astimezone(TENANT_ZONE).date()


@dataclass(frozen=True, slots=True)
class Excuse:
    """Why a working day is not judged: an approved, timely filing covers it."""

    leave_id: str
    kind: LeaveKind
    day: date


@dataclass(frozen=True, slots=True)
class Decision:
    """The centre's approval or rejection: who, when, and (for a rejection) why."""

    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class LeaveFiling:
    """One filing; ``revision`` 0 means not stored yet."""

    leave_id: str
    tenant_id: str
    worker_id: str
    first_day: date
    last_day: date
    kind: LeaveKind
    reason: str
    filed_at: datetime
    filed_by: str
    limit_days: int
    status: LeaveStatus = LeaveStatus.REQUESTED
    decision: Decision | None = None
    withdrawn_at: datetime | None = None
    request_id: str | None = None
    revision: int = 0

    @property
    def days(self) -> tuple[date, ...]:
        """Every day the filing covers, first to last."""
        span = (self.last_day - self.first_day).days
        return tuple(self.first_day + timedelta(days=n) for n in range(span + 1))

    @property
    def filed_on(self) -> date:
        """The Asia/Shanghai day the filing was made (what the limit is counted from)."""
        return today_in_tenant(self.filed_at)

    def in_time(self, day: date) -> bool:
        """Filed at most `limit_days` after ``day`` (before it or on it always is)."""
        return (self.filed_on - day).days <= self.limit_days

    @property
    def late_days(self) -> tuple[date, ...]:
        """The covered days the filing came too late for."""
        return tuple(day for day in self.days if not self.in_time(day))

    @property
    def late(self) -> bool:
        """Too late for at least one covered day."""
        return bool(self.late_days)

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def excuses(self, day: date) -> bool:
        """Approved, covering ``day`` and filed in time for it."""
        return self.status is LeaveStatus.APPROVED and self.covers(day) and self.in_time(day)

    def excuse_for(self, day: date) -> Excuse | None:
        """The `Excuse` this filing gives ``day``, or None."""
        if not self.excuses(day):
            return None
        return Excuse(leave_id=self.leave_id, kind=self.kind, day=day)

    @property
    def active(self) -> bool:
        """Still standing: waiting for the centre or approved (what an overlap collides with)."""
        return self.status in (LeaveStatus.REQUESTED, LeaveStatus.APPROVED)


def is_centre(roles: Collection[str]) -> bool:
    return not CENTRE_ROLES.isdisjoint(roles)


def can_read(filing: LeaveFiling, *, user_id: str, roles: Collection[str]) -> bool:
    """The centre and inspectors read the tenant's filings; a grid role only his own."""
    return not TENANT_READERS.isdisjoint(roles) or filing.worker_id == user_id


def _text(value: Any, name: str, limit: int, problems: list[FieldProblem]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldProblem(name, "is required"))
        return ""
    if len(value.strip()) > limit:
        problems.append(FieldProblem(name, f"must be at most {limit} characters"))
        return ""
    return value.strip()


def parse_kind(value: Any) -> LeaveKind:
    try:
        return LeaveKind(value)
    except ValueError:
        raise InvalidInput.of("kind", f"must be one of: {', '.join(KIND_VALUES)}") from None


def file_leave(
    *,
    leave_id: str,
    tenant_id: str,
    worker_id: str,
    first_day: date,
    last_day: date | None,
    kind: str,
    reason: str,
    filer: str,
    filer_roles: Collection[str],
    limit_days: int,
    now: datetime,
    request_id: str | None = None,
) -> tuple[LeaveFiling, LeaveFiled]:
    """A new filing in state ``requested`` and its `leave.filed`.

    403 when a non-centre filer files for someone else; 422 naming the field for a bad span,
    kind or reason. ``limit_days`` is the tenant's limit now (kept on the filing).
    """
    require_aware(now)
    if worker_id != filer and not is_centre(filer_roles):
        raise PermissionDenied("a grid worker files leave only for himself")
    problems: list[FieldProblem] = []
    if not isinstance(worker_id, str) or not worker_id.strip() or len(worker_id) > ID_MAX:
        problems.append(FieldProblem("worker_id", f"must be 1-{ID_MAX} characters"))
    try:
        parsed = parse_kind(kind)
    except InvalidInput as exc:
        problems.extend(exc.problems)
        parsed = LeaveKind.LEAVE
    text = _text(reason, "reason", REASON_MAX, problems)
    last = first_day if last_day is None else last_day
    today = today_in_tenant(now)
    if last < first_day:
        problems.append(FieldProblem("last_day", "must be on or after first_day"))
    elif (last - first_day).days + 1 > MAX_SPAN_DAYS:
        problems.append(FieldProblem("last_day", f"a filing covers at most {MAX_SPAN_DAYS} days"))
    if (today - first_day).days > MAX_PAST_DAYS:
        problems.append(
            FieldProblem("first_day", f"must be at most {MAX_PAST_DAYS} days before today")
        )
    if (last - today).days > MAX_AHEAD_DAYS:
        problems.append(
            FieldProblem("last_day", f"must be at most {MAX_AHEAD_DAYS} days after today")
        )
    if problems:
        raise InvalidInput(problems)
    filing = LeaveFiling(
        leave_id=leave_id,
        tenant_id=tenant_id,
        worker_id=worker_id.strip(),
        first_day=first_day,
        last_day=last,
        kind=parsed,
        reason=text,
        filed_at=now,
        filed_by=filer,
        limit_days=limit_days,
        request_id=request_id,
    )
    return filing, LeaveFiled(filing=filing, actor=filer, occurred_at=now)


def check_no_overlap(filing: LeaveFiling, others: Collection[LeaveFiling]) -> None:
    """409 when another standing filing of the worker covers one of the same days (withdraw
    or have it rejected first: one day, one filing)."""
    for other in others:
        if other.leave_id == filing.leave_id or not other.active:
            continue
        if other.first_day <= filing.last_day and filing.first_day <= other.last_day:
            raise StateConflict(
                f"leave {other.leave_id} ({other.status.value}) already covers "
                f"{max(other.first_day, filing.first_day).isoformat()}"
            )


def _decidable(filing: LeaveFiling, roles: Collection[str]) -> None:
    if not is_centre(roles):
        raise PermissionDenied("only centre staff approve or reject leave")
    if filing.status is not LeaveStatus.REQUESTED:
        raise StateConflict(f"leave {filing.leave_id} is {filing.status.value}, not requested")


def approve(
    filing: LeaveFiling, *, actor: str, roles: Collection[str], now: datetime
) -> tuple[LeaveFiling, LeaveApproved]:
    """Approve (批准) a requested filing; a late one is approved as late (it excuses nothing).
    403 unless centre staff, 409 unless requested."""
    require_aware(now)
    _decidable(filing, roles)
    approved = replace(filing, status=LeaveStatus.APPROVED, decision=Decision(by=actor, at=now))
    return approved, LeaveApproved(filing=approved, actor=actor, occurred_at=now)


def reject(
    filing: LeaveFiling, *, actor: str, roles: Collection[str], reason: str, now: datetime
) -> tuple[LeaveFiling, LeaveRejected]:
    """Reject (驳回) a requested filing with a reason (422 without one). 403 unless centre
    staff, 409 unless requested."""
    require_aware(now)
    _decidable(filing, roles)
    problems: list[FieldProblem] = []
    text = _text(reason, "reason", REASON_MAX, problems)
    if problems:
        raise InvalidInput(problems)
    rejected = replace(
        filing, status=LeaveStatus.REJECTED, decision=Decision(by=actor, at=now, reason=text)
    )
    return rejected, LeaveRejected(filing=rejected, actor=actor, occurred_at=now)


def withdraw(
    filing: LeaveFiling, *, actor: str, now: datetime
) -> tuple[LeaveFiling, LeaveWithdrawn]:
    """The filer takes back (撤回) a filing still waiting for the centre. 403 for anyone but
    the filer, 409 once decided or withdrawn."""
    require_aware(now)
    if actor != filing.filed_by:
        raise PermissionDenied("only the filer withdraws a filing")
    if filing.status is not LeaveStatus.REQUESTED:
        raise StateConflict(f"leave {filing.leave_id} is {filing.status.value}, not requested")
    withdrawn = replace(filing, status=LeaveStatus.WITHDRAWN, withdrawn_at=now)
    return withdrawn, LeaveWithdrawn(filing=withdrawn, actor=actor, occurred_at=now)


@dataclass(frozen=True)
class LeaveEvent:
    """What happened to one filing; ``filing`` is its state afterwards."""

    filing: LeaveFiling
    actor: str
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.filing.leave_id

    def payload(self) -> dict[str, Any]:
        """Scoring's facts about the filing: which days, of which worker, whether they are
        excused. Never the reason text."""
        filing = self.filing
        return {
            "leave_id": filing.leave_id,
            "worker_id": filing.worker_id,
            "days": [day.isoformat() for day in filing.days],
            "kind": filing.kind.value,
            "status": filing.status.value,
            "filed_on": filing.filed_on.isoformat(),
            "limit_days": filing.limit_days,
            "late": filing.late,
            "late_days": [day.isoformat() for day in filing.late_days],
            "excused_days": [day.isoformat() for day in filing.days if filing.excuses(day)],
            "actor": self.actor,
        }


@dataclass(frozen=True)
class LeaveFiled(LeaveEvent):
    type: ClassVar[str] = "leave.filed"


@dataclass(frozen=True)
class LeaveApproved(LeaveEvent):
    type: ClassVar[str] = "leave.approved"


@dataclass(frozen=True)
class LeaveRejected(LeaveEvent):
    type: ClassVar[str] = "leave.rejected"


@dataclass(frozen=True)
class LeaveWithdrawn(LeaveEvent):
    type: ClassVar[str] = "leave.withdrawn"
