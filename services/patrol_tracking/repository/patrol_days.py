"""The patrol-day repository: one document per worker and day, domain `PatrolDay` in and out.

The judgement is stored as the figures and verdict it published (top-level scalars the lists
filter on, reasons as small dicts); reading a day back rebuilds the `Judgement` from them, so
a later judgement compares with what was published, not with a recomputation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services.patrol_tracking.documents.patrol_days import (
    FinalisationMarkDocument,
    FoldedOffsetDocument,
    PatrolDayDocument,
)
from services.patrol_tracking.domain.compliance import DayVerdict, Reason, ReasonCode, VerdictStatus
from services.patrol_tracking.domain.day import DayState
from services.patrol_tracking.domain.leave import Excuse, LeaveKind
from services.patrol_tracking.domain.patrol_days import Assignment, Judgement, PatrolDay, day_key
from shared.errors import Conflict
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment
from shared.registry.view import RegistryStamps

CUT_OFF = cross_tenant_comment("patrol-cut-off")


DAY_ORDER = ("-day", "worker_id")


@dataclass(frozen=True, slots=True)
class DayFilter:
    """What the summary lists and exports filter stored days by (each an equality)."""

    day: date | None = None
    month: str | None = None
    worker_id: str | None = None
    grid_id: str | None = None
    division_id: str | None = None
    status: str | None = None

    def equalities(self) -> dict[str, Any]:
        found = {
            "day": None if self.day is None else self.day.isoformat(),
            "month": self.month,
            "worker_id": self.worker_id,
            "grid_id": self.grid_id,
            "division_id": self.division_id,
            "status": self.status,
        }
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class JudgedAs:
    """What a judged day's verdict rests on: the worker's assignment, and the fingerprint of
    the key subjects its points were measured against (None: the day has no fix)."""

    assignment: Assignment
    subjects_seen: str | None


class PatrolDayRepository(TenantRepository[PatrolDayDocument]):
    document = PatrolDayDocument

    def find_day(self, worker_id: str, day: date) -> PatrolDay | None:
        """The worker's day as stored, or None (no report and never finalised yet)."""
        doc = self.get(day_key(worker_id, day))
        return None if doc is None else _to_domain(doc)

    def find_days(self, keys: Sequence[tuple[str, date]]) -> list[PatrolDay | None]:
        """`find_day` for each (worker, day), in order, in one read of the store."""
        docs = self.get_many([day_key(worker_id, day) for worker_id, day in keys])
        return [None if doc is None else _to_domain(doc) for doc in docs]

    def write_many(self, days: Sequence[PatrolDay]) -> list[PatrolDay | None]:
        """Write back days read at their revisions, recording no events: their leases taken
        in one command and released in one, one revision-checked update each. Each result is
        the day written, or None when another writer changed it first or held it too long
        (the caller reads it again)."""
        docs = []
        for patrol_day in days:
            doc = _to_document(patrol_day)
            doc.revision = patrol_day.revision
            docs.append(doc)
        results = self.save_many([(doc, ()) for doc in docs])
        return [
            None if isinstance(result, Exception) else replace(day, revision=day.revision + 1)
            for day, result in zip(days, results, strict=True)
        ]

    def write(self, patrol_day: PatrolDay, events: Sequence[DomainEvent] = ()) -> PatrolDay:
        """Insert a new day or write back one read at ``patrol_day.revision`` (`Conflict` /
        `ConcurrentUpdate` when another writer came first: the caller reloads and retries)."""
        doc = _to_document(patrol_day)
        if patrol_day.revision == 0:
            self.add(doc, events)
            return replace(patrol_day, revision=1)
        doc.revision = patrol_day.revision
        self.save(doc, events)
        return replace(patrol_day, revision=patrol_day.revision + 1)

    def open_of_day(self, day: date) -> list[PatrolDay]:
        """The tenant's stored days of ``day`` not judged yet (the cut-off's work)."""
        return [_to_domain(doc) for doc in self._query(day=day.isoformat(), status="open")]

    def judged_assignments(self, day: date) -> dict[str, JudgedAs]:
        """Each judged worker's assignment on ``day`` as its verdict saw it, and the key
        subjects its fold was measured against (None for a day without a fix), read without
        the day states (the cut-off re-checks them every run against the registry)."""
        rows = self._query(day=day.isoformat()).only(
            "worker_id",
            "version",
            "grid_ids",
            "division_ids",
            "grid_type",
            "subjects_seen",
            "last_fix_ms",
        )
        return {
            str(doc.worker_id): JudgedAs(
                Assignment(
                    grid_ids=tuple(doc.grid_ids),
                    division_ids=tuple(doc.division_ids),
                    grid_type=doc.grid_type,
                ),
                None if doc.last_fix_ms is None else (doc.subjects_seen or ""),
            )
            for doc in rows
            if doc.version > 0
        }

    def of_month(self, worker_id: str, month: str) -> list[PatrolDay]:
        """The worker's stored days of ``month`` (YYYY-MM), in day order."""
        docs = self._query(worker_id=worker_id, month=month)
        return sorted((_to_domain(doc) for doc in docs), key=lambda d: d.day)

    def page(self, where: DayFilter, *, offset: int, limit: int) -> Page[PatrolDay]:
        """One page of stored days, newest day first, then by worker; every filter is an
        equality on a top-level field (PostgreSQL counts and orders them)."""
        page = self.list(offset=offset, limit=limit, order_by=DAY_ORDER, **where.equalities())
        return page.map(_to_domain)

    def every(self, where: DayFilter, *, cap: int) -> Page[PatrolDay]:
        """Every stored day matching ``where``, in the `page` order, when at most ``cap``
        match; when more do, only their total (no item is read: the export refuses first)."""
        equalities = where.equalities()
        total = self.list(offset=0, limit=1, order_by=DAY_ORDER, **equalities).total
        if total > cap:
            return Page(items=[], total=total, offset=0, limit=cap)
        # One cursor, not pages: the equalities narrow the rows, FerretDB orders them once.
        docs = self._query(**equalities).order_by(*DAY_ORDER).limit(cap)
        items = [_to_domain(doc) for doc in docs]
        return Page(items=items, total=len(items), offset=0, limit=cap)

    def fixes_since(self, day: date, since_ms: int) -> list[dict[str, Any]]:
        """The stored days of ``day`` whose newest accepted fix is at or after ``since_ms``
        (who is patrolling now), newest fix first, as dicts of worker_id, last_fix_ms,
        last_lon, last_lat, patrol_s, distance_m, grid_id and assignment_seen. The day is an
        equality; only these fields are decoded, never the day states."""
        fields = (
            "worker_id",
            "last_fix_ms",
            "last_lon",
            "last_lat",
            "patrol_s",
            "distance_m",
            "grid_id",
            "assignment_seen",
        )
        query = self._query(day=day.isoformat(), last_fix_ms__gte=since_ms).only(*fields)
        rows = [{name: raw.get(name) for name in fields} for raw in query.as_pymongo()]
        rows.sort(key=lambda row: (-int(row["last_fix_ms"]), str(row["worker_id"])))
        return rows


def _to_document(patrol_day: PatrolDay) -> PatrolDayDocument:
    state = patrol_day.state
    figures = state.figures()
    judgement = patrol_day.judgement
    last = state.last
    doc = PatrolDayDocument(
        key=patrol_day.key,
        tenant_id=patrol_day.tenant_id,
        worker_id=patrol_day.worker_id,
        day=patrol_day.day.isoformat(),
        month=patrol_day.day.isoformat()[:7],
        state=state.to_document(),
        folded=[
            FoldedOffsetDocument(partition=partition, offset=offset)
            for partition, offset in sorted(patrol_day.folded.items())
        ],
        assignment_seen=list(patrol_day.assignment_seen),
        subjects_seen=patrol_day.subjects_seen,
        published=patrol_day.published,
        online_s=figures.online_s,
        patrol_s=figures.patrol_s,
        distance_m=figures.distance_m,
        own_grid_s=figures.own_grid_s,
        own_grid_m=figures.own_grid_m,
        morning=figures.morning,
        afternoon=figures.afternoon,
        last_fix_ms=None if last is None else last.fix.at_ms,
        last_lon=None if last is None else last.fix.lon,
        last_lat=None if last is None else last.fix.lat,
        version=patrol_day.version,
    )
    if judgement is not None:
        verdict, assignment = judgement.verdict, judgement.assignment
        doc.status = verdict.status.value
        doc.short = verdict.short
        doc.reasons = [
            {
                "code": reason.code.value,
                "actual": str(reason.actual),
                "required": str(reason.required),
                "unit": reason.unit,
                "message": reason.message,
            }
            for reason in verdict.reasons
        ]
        doc.workday = judgement.workday
        doc.leave_id = judgement.leave_id
        doc.grid_ids = list(assignment.grid_ids)
        doc.grid_id = assignment.grid_ids[0] if assignment.grid_ids else None
        doc.division_ids = list(assignment.division_ids)
        doc.division_id = assignment.division_ids[0] if assignment.division_ids else None
        doc.grid_type = assignment.grid_type
        doc.finalised_at = judgement.at
        if verdict.excuse is not None:
            doc.reasons.append(
                {
                    "code": "excuse",
                    "leave_id": verdict.excuse.leave_id,
                    "kind": verdict.excuse.kind.value,
                }
            )
    return doc


def _to_domain(doc: PatrolDayDocument) -> PatrolDay:
    day = date.fromisoformat(doc.day)
    judgement = None
    if doc.version > 0:
        excuse = None
        reasons = []
        for entry in doc.reasons:
            if entry.get("code") == "excuse":
                excuse = Excuse(entry["leave_id"], LeaveKind(entry["kind"]), day)
                continue
            reasons.append(
                Reason(
                    code=ReasonCode(entry["code"]),
                    actual=Decimal(entry["actual"]),
                    required=Decimal(entry["required"]),
                    unit=entry["unit"],
                    message=entry["message"],
                )
            )
        judgement = Judgement(
            assignment=Assignment(
                grid_ids=tuple(doc.grid_ids),
                division_ids=tuple(doc.division_ids),
                grid_type=doc.grid_type,
            ),
            workday=bool(doc.workday),
            verdict=DayVerdict(
                day=day,
                status=VerdictStatus(doc.status),
                short=bool(doc.short),
                reasons=tuple(reasons),
                excuse=excuse,
            ),
            leave_id=doc.leave_id,
            at=doc.finalised_at,
        )
    return PatrolDay(
        tenant_id=doc.tenant_id,
        worker_id=doc.worker_id,
        day=day,
        state=DayState.from_document(doc.state),
        folded={entry.partition: entry.offset for entry in doc.folded},
        version=doc.version,
        judgement=judgement,
        assignment_seen=tuple(doc.assignment_seen),
        subjects_seen=doc.subjects_seen or "",
        published=doc.published or "",
        revision=doc.revision,
    )


@dataclass(frozen=True, slots=True)
class CutOffProgress:
    """How far a tenant's cut-off runs got: the last day finalised, and the registry
    fingerprint and instant of the last run that re-checked the whole upload window."""

    last_day: date
    checked: str | None
    checked_at: datetime | None


class FinalisationMarks(TenantRepository[FinalisationMarkDocument]):
    """How far the tenant's cut-off runs got (one document per tenant)."""

    document = FinalisationMarkDocument

    def last_day(self) -> date | None:
        doc = self.get(self.tenant_id)
        return None if doc is None else date.fromisoformat(doc.last_day)

    def advance(self, day: date, *, checked: str | None = None, at: datetime | None = None) -> None:
        """Record that every day up to ``day`` is finalised (never moves back) and, with
        ``checked``, that this run re-checked the window against that registry fingerprint
        at ``at``."""
        doc = self.get(self.tenant_id)
        if doc is None:
            try:
                self.add(
                    FinalisationMarkDocument(
                        key=self.tenant_id, last_day=day.isoformat(), checked=checked, checked_at=at
                    )
                )
                return
            except Conflict:
                doc = self.get(self.tenant_id)  # another worker advanced it first
        if doc is None:
            return
        moved = doc.last_day < day.isoformat()
        if moved:
            doc.last_day = day.isoformat()
        if checked is not None:
            doc.checked, doc.checked_at = checked, at
        if moved or checked is not None:
            self.save(doc)

    @staticmethod
    def progress() -> dict[str, CutOffProgress]:
        """Every tenant's progress, in one cross-tenant read."""
        return {
            str(doc.key): CutOffProgress(
                last_day=date.fromisoformat(doc.last_day),
                checked=doc.checked,
                checked_at=None if doc.checked_at is None else doc.checked_at.replace(tzinfo=UTC),
            )
            for doc in FinalisationMarkDocument.objects.comment(CUT_OFF)
        }

    @staticmethod
    def registry_fingerprints() -> dict[str, str]:
        """Every tenant with grids, teams or key subjects in the registry read model, with
        its fingerprint (`RegistryStamps.fingerprints`), in one cross-tenant read."""
        return RegistryStamps.fingerprints(CUT_OFF)

    @staticmethod
    def open_day_tenants() -> set[str]:
        """Every tenant with a stored day not judged yet (equal top-level values: read in
        PostgreSQL, where a `distinct` over every stored day would decode them all)."""
        return set(PatrolDayDocument.objects(status="open").comment(CUT_OFF).distinct("tenant_id"))

    @staticmethod
    def tenants() -> list[str]:
        """Every tenant the cut-off and retention jobs may have work for: one with grids,
        teams or key subjects in the registry read model, a cut-off mark, or a stored day not
        judged yet."""
        found = set(FinalisationMarks.registry_fingerprints()) | set(FinalisationMarks.progress())
        return sorted(found | FinalisationMarks.open_day_tenants())
