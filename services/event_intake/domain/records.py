"""Work records (工作记录): what a grid worker did, or was found doing, on one day in one grid.

One `WorkRecord` model for every kind the assessment schemes count (seeds 001, 002, 004):

- service_record (服务记录): records per grid per month (>= 80, seed 001); subject_id?
- work_log (民情日志): logs per worker per week (>= 2, seed 002); the log text is the note
- instability_screening (每周不稳定因素排查): one a week (-0.5 each missing, seed 002);
  week, findings_count
- home_visit (入户走访, not a GPS check-in): visits per week, households per month (seed 002);
  visit_target, subject_id?
- agency_service (代办): not done -2, not completed -1 (seed 002); item, completed
- meeting_attendance (例会) / training_attendance (培训): late or left early -0.5, unexcused
  absence -1 (seed 002), -0.2 (seed 001), -50 yuan (seed 004); session_id / session_title,
  status
- written_report (书面工作情况汇报): each late one -0.5 (seed 002); report_name, due_on,
  submitted_on (on_time derived)
- badge_finding (工作证 / 公示牌): -0.2 per badge, -0.5 per signboard (seed 001);
  finding_type, severity
- confidentiality_finding (保密): -1 per leak (seed 001); finding_type, severity

Every record has a date (Asia/Shanghai day), a grid and the worker it is about. For the kinds
with a day of their own the date is that day: an attendance's ``held_on``, a report's
``due_on`` (a report counts in the period it was due), a finding's ``found_on``; the client
sends either name (both must then agree). A screening's ISO ``week`` defaults to the date's.

Who may record: a grid worker records only his own records and only for a grid he is on that
day; attendance, reports other than his own submission today and findings are the centre's
observations, so he records none of those. Centre staff (center-staff, tenant-admin) record
anything for anyone in the tenant. Records are corrected (with a reason, every correction
kept) and voided by the centre (with a reason), never deleted: scoring must see a record go.

Published payloads carry ids, codes, dates, counts and flags: never the note, a report's
name, a session's title or any reason text, and nothing about a resident beyond a registry
subject id.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
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
NOTE_MAX = 2000
TITLE_MAX = 100
REASON_MAX = 500
FINDINGS_MAX = 999
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
CENTRE_ROLES: Final = frozenset({Role.CENTER_STAFF.value, Role.TENANT_ADMIN.value})


class RecordKind(StrEnum):
    SERVICE_RECORD = "service_record"
    WORK_LOG = "work_log"
    INSTABILITY_SCREENING = "instability_screening"
    HOME_VISIT = "home_visit"
    AGENCY_SERVICE = "agency_service"
    MEETING_ATTENDANCE = "meeting_attendance"
    TRAINING_ATTENDANCE = "training_attendance"
    WRITTEN_REPORT = "written_report"
    BADGE_FINDING = "badge_finding"
    CONFIDENTIALITY_FINDING = "confidentiality_finding"


class AttendanceStatus(StrEnum):
    """How a worker attended a meeting or training (seed 002 item 7, seed 004)."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    EXCUSED = "excused"  # 请假: absent with leave, no deduction
    ABSENT_UNEXCUSED = "absent_unexcused"  # 无故缺席


class VisitTarget(StrEnum):
    """Whom a home visit (入户走访) was for; the cycles differ (seeds 001, 002)."""

    GENERAL_HOUSEHOLD = "general_household"  # 一般居民家庭: >= 20 households a month
    KEY_PERSON = "key_person"  # 重点人员: weekly
    SPECIAL_GROUP = "special_group"  # 特殊人群 (困难党员, 残疾人, 刑满释放...): weekly or monthly
    CARE_RECIPIENT = "care_recipient"  # 关爱对象: monthly


class AgencyItem(StrEnum):
    """What a worker did on a resident's behalf (代办, seed 002 职责 4)."""

    LOW_INCOME = "low_income"  # 低保
    HARDSHIP_RELIEF = "hardship_relief"  # 困难救助
    PUBLIC_HOUSING = "public_housing"  # 廉租房
    VETERAN_CARE = "veteran_care"  # 民政优抚
    DISABILITY_SERVICE = "disability_service"  # 残疾人服务
    BIRTH_PERMIT = "birth_permit"  # 准生证办理
    HOME_VERIFICATION = "home_verification"  # 入户核查 for an approval
    PETITION = "petition"  # 信访代办 (seed 004)
    OTHER = "other"


class BadgeFindingType(StrEnum):
    """Badge and signboard rules (seed 001): 未带工作证 -0.2, 未按要求设立公示牌 -0.5."""

    BADGE_NOT_CARRIED = "badge_not_carried"
    SIGNBOARD_MISSING = "signboard_missing"
    SIGNBOARD_NONCOMPLIANT = "signboard_noncompliant"


class ConfidentialityFindingType(StrEnum):
    """Data confidentiality (seed 001 ③): accounts, terminals, leaks."""

    DATA_LEAK = "data_leak"  # 因泄露信息造成纠纷或事故
    CREDENTIALS_SHARED = "credentials_shared"  # 登录账号和密码未保密
    TERMINAL_LENT = "terminal_lent"  # 手机终端给他人使用


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"


class RecordState(StrEnum):
    ACTIVE = "active"
    VOIDED = "voided"


KIND_VALUES = tuple(kind.value for kind in RecordKind)
STATUS_VALUES = tuple(status.value for status in AttendanceStatus)
TARGET_VALUES = tuple(target.value for target in VisitTarget)
ITEM_VALUES = tuple(item.value for item in AgencyItem)
SEVERITY_VALUES = tuple(severity.value for severity in Severity)
BADGE_VALUES = tuple(kind.value for kind in BadgeFindingType)
CONFIDENTIALITY_VALUES = tuple(kind.value for kind in ConfidentialityFindingType)
FINDING_VALUES = BADGE_VALUES + CONFIDENTIALITY_VALUES

ATTENDANCE_KINDS: Final = frozenset({RecordKind.MEETING_ATTENDANCE, RecordKind.TRAINING_ATTENDANCE})
FINDING_KINDS: Final = frozenset({RecordKind.BADGE_FINDING, RecordKind.CONFIDENTIALITY_FINDING})
# The centre observes these; a worker recording his own attendance or findings would grade
# himself.
CENTRE_KINDS: Final = ATTENDANCE_KINDS | FINDING_KINDS


@dataclass(frozen=True)
class KindSpec:
    """The kind-specific fields of one kind: which are required and which may be sent, and
    the name of the kind's own day (``held_on``...) that is the record's date."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    anchor: str | None = None

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


_ATTENDANCE = KindSpec(
    required=frozenset({"status"}),
    optional=frozenset({"session_id", "session_title"}),
    anchor="held_on",
)
_FINDING = KindSpec(
    required=frozenset({"finding_type"}), optional=frozenset({"severity"}), anchor="found_on"
)
KIND_SPECS: Final[Mapping[RecordKind, KindSpec]] = {
    RecordKind.SERVICE_RECORD: KindSpec(optional=frozenset({"subject_id"})),
    RecordKind.WORK_LOG: KindSpec(),
    RecordKind.INSTABILITY_SCREENING: KindSpec(
        required=frozenset({"findings_count"}), optional=frozenset({"week"})
    ),
    RecordKind.HOME_VISIT: KindSpec(
        required=frozenset({"visit_target"}), optional=frozenset({"subject_id"})
    ),
    RecordKind.AGENCY_SERVICE: KindSpec(required=frozenset({"item", "completed"})),
    RecordKind.MEETING_ATTENDANCE: _ATTENDANCE,
    RecordKind.TRAINING_ATTENDANCE: _ATTENDANCE,
    RecordKind.WRITTEN_REPORT: KindSpec(
        required=frozenset({"report_name"}), optional=frozenset({"submitted_on"}), anchor="due_on"
    ),
    RecordKind.BADGE_FINDING: _FINDING,
    RecordKind.CONFIDENTIALITY_FINDING: _FINDING,
}
# Every kind-specific field any kind takes, the anchors included: what a request may carry.
DETAIL_FIELDS: Final = frozenset(
    name
    for spec in KIND_SPECS.values()
    for name in (*spec.allowed, *([spec.anchor] if spec.anchor else []))
)


def today_in_tenant(now: datetime) -> date:
    """The Asia/Shanghai calendar day of the instant ``now``."""
    return require_aware(now).astimezone(TENANT_ZONE).date()


def iso_week(day: date) -> str:
    """``day``'s ISO year-week, e.g. ``2026-W10``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_start(week: str) -> date | None:
    """The Monday of an ISO year-week ``YYYY-Www``; None when it names no week."""
    match = WEEK_PATTERN.match(week)
    if match is None:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


@dataclass(frozen=True)
class Details:
    """The kind-specific fields; those a kind does not use stay None."""

    # meeting / training attendance (例会 / 培训)
    status: AttendanceStatus | None = None
    session_id: str | None = None
    session_title: str | None = None
    # written report (书面汇报)
    report_name: str | None = None
    due_on: date | None = None
    submitted_on: date | None = None
    # instability screening (不稳定因素排查)
    week: str | None = None
    findings_count: int | None = None
    # home visit (入户走访); a service record may name a subject too
    visit_target: VisitTarget | None = None
    subject_id: str | None = None
    # agency service (代办)
    item: AgencyItem | None = None
    completed: bool | None = None
    # badge / confidentiality findings
    finding_type: str | None = None
    severity: Severity | None = None

    @property
    def on_time(self) -> bool | None:
        """A written report's: submitted on or before its due day (None for other kinds; False
        while it is not submitted)."""
        if self.due_on is None:
            return None
        return self.submitted_on is not None and self.submitted_on <= self.due_on

    def values(self, kind: RecordKind) -> dict[str, Any]:
        """The fields ``kind`` takes, as the domain's input names them (anchors excluded)."""
        return {name: getattr(self, name) for name in KIND_SPECS[kind].allowed}


@dataclass(frozen=True)
class Correction:
    """One correction (更正): who, when, why and which fields changed."""

    corrected_at: datetime
    corrected_by: str
    reason: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Voiding:
    """Why and by whom a record was voided (作废)."""

    voided_at: datetime
    voided_by: str
    reason: str


@dataclass(frozen=True)
class WorkRecord:
    """One work record; ``revision`` 0 means not stored yet."""

    record_id: str
    tenant_id: str
    kind: RecordKind
    grid_id: str
    worker_id: str
    date: date
    details: Details
    note: str | None
    recorded_by: str
    recorded_at: datetime
    updated_by: str
    updated_at: datetime
    request_id: str | None = None
    corrections: tuple[Correction, ...] = ()
    voiding: Voiding | None = None
    revision: int = 0

    @property
    def state(self) -> RecordState:
        return RecordState.ACTIVE if self.voiding is None else RecordState.VOIDED

    @property
    def voided(self) -> bool:
        return self.voiding is not None

    @property
    def on_time(self) -> bool | None:
        return self.details.on_time


@dataclass(frozen=True)
class Recorder:
    """Who records: user id, realm roles and the grids he is on, on the record's day (the
    use case asks the registry read model for that day)."""

    user_id: str
    roles: frozenset[str]
    grid_ids: frozenset[str] = frozenset()

    @property
    def is_centre(self) -> bool:
        return not self.roles.isdisjoint(CENTRE_ROLES)

    @property
    def is_grid_worker(self) -> bool:
        return Role.GRID_WORKER.value in self.roles


def authorize(recorder: Recorder, *, kind: RecordKind, worker_id: str, grid_id: str) -> None:
    """`PermissionDenied` unless ``recorder`` may record ``kind`` for ``worker_id`` in
    ``grid_id`` on the day ``recorder.grid_ids`` were taken for."""
    if recorder.is_centre:
        return
    if not recorder.is_grid_worker:
        raise PermissionDenied("only grid workers and the tenant centre keep work records")
    if worker_id != recorder.user_id:
        raise PermissionDenied("a grid worker records only his own work")
    if kind in CENTRE_KINDS:
        raise PermissionDenied(f"{kind.value} records are the centre's to make")
    if grid_id not in recorder.grid_ids:
        raise PermissionDenied(f"you are not on grid {grid_id} on the record's day")


def can_read(record: WorkRecord, *, user_id: str, roles: Collection[str]) -> bool:
    """Centre staff read the tenant's records; everyone else only records about himself."""
    return not CENTRE_ROLES.isdisjoint(roles) or record.worker_id == user_id


def parse_kind(value: str) -> RecordKind:
    """The kind named by ``value``; 422 on ``kind``."""
    try:
        return RecordKind(value)
    except ValueError:
        raise InvalidInput.of("kind", f"must be one of: {', '.join(KIND_VALUES)}") from None


def record_day(kind: RecordKind, day: date | None, values: Mapping[str, Any]) -> date:
    """The record's date: ``day``, or the kind's own day (``held_on``, ``due_on``,
    ``found_on``); both given must agree. A screening without a date has none: 422."""
    anchor = KIND_SPECS[kind].anchor
    own = values.get(anchor) if anchor else None
    if own is not None and not isinstance(own, date):
        raise InvalidInput.of(str(anchor), "must be a date (YYYY-MM-DD)")
    if own is not None and day is not None and own != day:
        raise InvalidInput.of(
            str(anchor), f"must equal date ({day.isoformat()}) when both are sent"
        )
    found = own or day
    if found is None:
        names = f"date or {anchor}" if anchor else "date"
        raise InvalidInput.of("date" if anchor is None else anchor, f"{names} is required")
    return found


def _text(value: Any, name: str, limit: int, problems: list[FieldProblem]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        problems.append(FieldProblem(name, f"must be 1-{limit} characters"))
        return None
    return value.strip()


def _choice(
    value: Any, name: str, options: tuple[str, ...], problems: list[FieldProblem]
) -> str | None:
    if value is None:
        return None
    if value not in options:
        problems.append(FieldProblem(name, f"must be one of: {', '.join(options)}"))
        return None
    return str(value)


def _details(kind: RecordKind, values: Mapping[str, Any], *, day: date, today: date) -> Details:
    spec = KIND_SPECS[kind]
    problems: list[FieldProblem] = []
    for name in sorted(values):
        if name not in spec.allowed and name != spec.anchor and values[name] is not None:
            problems.append(FieldProblem(name, f"is not a field of a {kind.value} record"))
    for name in sorted(spec.required):
        if values.get(name) is None:
            problems.append(FieldProblem(name, f"is required for a {kind.value} record"))
    status = _choice(values.get("status"), "status", STATUS_VALUES, problems)
    session_id = _text(values.get("session_id"), "session_id", ID_MAX, problems)
    session_title = _text(values.get("session_title"), "session_title", TITLE_MAX, problems)
    no_session = session_id is None and session_title is None
    if kind in ATTENDANCE_KINDS and no_session and "session_id" not in {p.field for p in problems}:
        problems.append(FieldProblem("session_id", "send session_id or session_title"))
    report_name = _text(values.get("report_name"), "report_name", TITLE_MAX, problems)
    submitted_on = values.get("submitted_on")
    if submitted_on is not None and (not isinstance(submitted_on, date) or submitted_on > today):
        problems.append(FieldProblem("submitted_on", "must be a date not after today"))
        submitted_on = None
    count = values.get("findings_count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= FINDINGS_MAX
    ):
        problems.append(FieldProblem("findings_count", f"must be a whole number 0-{FINDINGS_MAX}"))
        count = None
    week: str | None = None
    if kind is RecordKind.INSTABILITY_SCREENING:
        week = values.get("week") or iso_week(day)
        start = week_start(week) if isinstance(week, str) else None
        if start is None:
            problems.append(FieldProblem("week", "must be an ISO year-week such as 2026-W10"))
        elif not start <= day < start + timedelta(days=7):
            problems.append(FieldProblem("week", f"must be the week of date ({iso_week(day)})"))
    target = _choice(values.get("visit_target"), "visit_target", TARGET_VALUES, problems)
    subject_id = _text(values.get("subject_id"), "subject_id", ID_MAX, problems)
    item = _choice(values.get("item"), "item", ITEM_VALUES, problems)
    completed = values.get("completed")
    if completed is not None and not isinstance(completed, bool):
        problems.append(FieldProblem("completed", "must be true or false"))
    finding_options = BADGE_VALUES if kind is RecordKind.BADGE_FINDING else CONFIDENTIALITY_VALUES
    finding_type = _choice(values.get("finding_type"), "finding_type", finding_options, problems)
    severity = _choice(values.get("severity"), "severity", SEVERITY_VALUES, problems)
    if problems:
        raise InvalidInput(problems)
    return Details(
        status=None if status is None else AttendanceStatus(status),
        session_id=session_id,
        session_title=session_title,
        report_name=report_name,
        due_on=day if kind is RecordKind.WRITTEN_REPORT else None,
        submitted_on=submitted_on,
        week=week,
        findings_count=count,
        visit_target=None if target is None else VisitTarget(target),
        subject_id=subject_id,
        item=None if item is None else AgencyItem(item),
        completed=completed,
        finding_type=finding_type,
        severity=(Severity(severity) if severity else Severity.MINOR)
        if kind in FINDING_KINDS
        else None,
    )


def _check_day(kind: RecordKind, day: date, today: date) -> None:
    # A report may be recorded before its due day; everything else has happened already.
    if kind is not RecordKind.WRITTEN_REPORT and day > today:
        anchor = KIND_SPECS[kind].anchor or "date"
        raise InvalidInput.of(anchor, "must not be after today (Asia/Shanghai)")


def _check_note(kind: RecordKind, note: str | None) -> str | None:
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidInput.of("note", f"must be at most {NOTE_MAX} characters")
    cleaned = note.strip() if note else None
    if kind is RecordKind.WORK_LOG and not cleaned:
        raise InvalidInput.of("note", "a work log (民情日志) is its text: note is required")
    return cleaned or None


def _check_id(value: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > ID_MAX:
        raise InvalidInput.of(name, f"must be 1-{ID_MAX} characters")
    return value.strip()


def _own_submission(recorder: Recorder, kind: RecordKind, details: Details, today: date) -> Details:
    """A grid worker's written report is his submission, made today: he cannot back-date it
    (its on-time flag is scored) nor record one as missing."""
    if kind is not RecordKind.WRITTEN_REPORT or recorder.is_centre:
        return details
    if details.submitted_on not in (None, today):
        raise InvalidInput.of("submitted_on", "a grid worker's report is submitted today")
    return replace(details, submitted_on=today)


def record_work(
    *,
    record_id: str,
    tenant_id: str,
    kind: str,
    grid_id: str,
    worker_id: str,
    day: date | None,
    values: Mapping[str, Any],
    note: str | None,
    request_id: str | None,
    recorder: Recorder,
    now: datetime,
) -> tuple[WorkRecord, RecordCreated]:
    """A new record and its `record.created`; 422 naming fields, 403 when ``recorder`` may not
    (``recorder.grid_ids`` are his grids on the record's day, see `record_day`)."""
    require_aware(now)
    parsed = parse_kind(kind)
    grid_id = _check_id(grid_id, "grid_id")
    worker_id = _check_id(worker_id, "worker_id")
    on = record_day(parsed, day, values)
    today = today_in_tenant(now)
    _check_day(parsed, on, today)
    details = _details(parsed, values, day=on, today=today)
    cleaned_note = _check_note(parsed, note)
    authorize(recorder, kind=parsed, worker_id=worker_id, grid_id=grid_id)
    details = _own_submission(recorder, parsed, details, today)
    record = WorkRecord(
        record_id=record_id,
        tenant_id=tenant_id,
        kind=parsed,
        grid_id=grid_id,
        worker_id=worker_id,
        date=on,
        details=details,
        note=cleaned_note,
        recorded_by=recorder.user_id,
        recorded_at=now,
        updated_by=recorder.user_id,
        updated_at=now,
        request_id=request_id,
    )
    return record, RecordCreated(record=record, actor=recorder.user_id, occurred_at=now)


CORRECTABLE: Final = frozenset({"grid_id", "date", "note"}) | DETAIL_FIELDS


def _corrected_values(record: WorkRecord, changes: Mapping[str, Any]) -> dict[str, Any]:
    values = record.details.values(record.kind)
    anchor = KIND_SPECS[record.kind].anchor
    if record.kind is RecordKind.INSTABILITY_SCREENING and "date" in changes:
        # A new date takes its own week unless the correction names one.
        values.pop("week", None)
    values.update({k: v for k, v in changes.items() if k in DETAIL_FIELDS})
    if anchor and "date" in changes and anchor not in changes:
        values.pop(anchor, None)
    return values


def corrected_day(record: WorkRecord, changes: Mapping[str, Any]) -> date:
    """The record's date after ``changes`` (for the use case to look up the worker's grids)."""
    values = _corrected_values(record, changes)
    anchor = KIND_SPECS[record.kind].anchor
    if "date" in changes or (anchor and anchor in changes):
        return record_day(record.kind, changes.get("date"), values)
    return record.date


def correct_record(
    record: WorkRecord,
    *,
    changes: Mapping[str, Any],
    reason: str,
    recorder: Recorder,
    now: datetime,
) -> tuple[WorkRecord, RecordCorrected]:
    """The record with ``changes`` applied and the correction kept; `record.corrected`.
    409 when voided; 422 naming the field; 403 unless ``recorder`` may record the result
    (``recorder.grid_ids`` for the corrected day, see `corrected_day`)."""
    require_aware(now)
    if record.voided:
        raise StateConflict(f"record {record.record_id} is voided and cannot be corrected")
    problems = [
        FieldProblem(name, "cannot be corrected")
        for name in sorted(changes)
        if name not in CORRECTABLE
    ]
    reason_text = _text(reason, "reason", REASON_MAX, problems)
    if problems or reason_text is None:
        raise InvalidInput(problems or [FieldProblem("reason", "is required")])
    today = today_in_tenant(now)
    values = _corrected_values(record, changes)
    on = corrected_day(record, changes)
    _check_day(record.kind, on, today)
    details = _details(record.kind, values, day=on, today=today)
    grid_id = _check_id(changes.get("grid_id", record.grid_id), "grid_id")
    note = _check_note(record.kind, changes["note"]) if "note" in changes else record.note
    authorize(recorder, kind=record.kind, worker_id=record.worker_id, grid_id=grid_id)
    if (
        record.kind is RecordKind.WRITTEN_REPORT
        and not recorder.is_centre
        and details.submitted_on != record.details.submitted_on
    ):
        raise InvalidInput.of("submitted_on", "only the centre corrects when a report came in")
    corrected = replace(record, grid_id=grid_id, date=on, details=details, note=note)
    changed = tuple(
        name
        for name in ("grid_id", "date", "note")
        if getattr(corrected, name) != getattr(record, name)
    ) + tuple(
        name
        for name in sorted(KIND_SPECS[record.kind].allowed | {"due_on"})
        if getattr(details, name) != getattr(record.details, name)
    )
    if not changed:
        raise InvalidInput.of("changes", "nothing differs from the record as it stands")
    entry = Correction(
        corrected_at=now, corrected_by=recorder.user_id, reason=reason_text, fields=changed
    )
    corrected = replace(
        corrected,
        corrections=(*record.corrections, entry),
        updated_by=recorder.user_id,
        updated_at=now,
    )
    return corrected, RecordCorrected(record=corrected, actor=recorder.user_id, occurred_at=now)


def void_record(
    record: WorkRecord, *, reason: str, recorder: Recorder, now: datetime
) -> tuple[WorkRecord, RecordVoided]:
    """Void (作废) a record: the centre only (403), once (409), with a reason (422)."""
    require_aware(now)
    if not recorder.is_centre:
        raise PermissionDenied("only the tenant centre voids work records")
    if record.voided:
        raise StateConflict(f"record {record.record_id} is already voided")
    problems: list[FieldProblem] = []
    reason_text = _text(reason, "reason", REASON_MAX, problems)
    if problems or reason_text is None:
        raise InvalidInput(problems or [FieldProblem("reason", "is required")])
    voided = replace(
        record,
        voiding=Voiding(voided_at=now, voided_by=recorder.user_id, reason=reason_text),
        updated_by=recorder.user_id,
        updated_at=now,
    )
    return voided, RecordVoided(record=voided, actor=recorder.user_id, occurred_at=now)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True)
class RecordEvent:
    """What happened to one record; ``record`` is its state afterwards."""

    record: WorkRecord
    actor: str
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.record.record_id

    def payload(self) -> dict[str, Any]:
        """The record's scoring facts after the change: every key present, None where the
        kind has no such field. Never the note, report name, session title or reasons."""
        record, details = self.record, self.record.details
        return {
            "record_id": record.record_id,
            "kind": record.kind.value,
            "grid_id": record.grid_id,
            "worker_id": record.worker_id,
            "date": record.date.isoformat(),
            "state": record.state.value,
            "actor": self.actor,
            "attendance_status": None if details.status is None else details.status.value,
            "session_id": details.session_id,
            "due_on": _iso(details.due_on),
            "submitted_on": _iso(details.submitted_on),
            "on_time": details.on_time,
            "week": details.week,
            "findings_count": details.findings_count,
            "visit_target": None if details.visit_target is None else details.visit_target.value,
            "subject_id": details.subject_id,
            "item": None if details.item is None else details.item.value,
            "completed": details.completed,
            "finding_type": details.finding_type,
            "severity": None if details.severity is None else details.severity.value,
            "corrections": len(record.corrections),
        }


@dataclass(frozen=True)
class RecordCreated(RecordEvent):
    type: ClassVar[str] = "record.created"


@dataclass(frozen=True)
class RecordCorrected(RecordEvent):
    type: ClassVar[str] = "record.corrected"


@dataclass(frozen=True)
class RecordVoided(RecordEvent):
    type: ClassVar[str] = "record.voided"
