"""Inspection (督查) use cases: record findings and complaints, verify or dismiss complaints,
rectify and confirm (整改), lists, and the scheduler's overdue marking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from services.event_intake.domain import inspections as domain
from services.event_intake.domain.events import Actor
from services.event_intake.domain.registry import local_day
from services.event_intake.domain.tasks import is_centre
from services.event_intake.repository.inspections import InspectionFilter
from services.event_intake.use_cases.context import IntakeContext
from services.event_intake.use_cases.tasks import ATTEMPTS, actor_of, retried_id
from shared.auth.principal import Role
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mongo import ConcurrentUpdate, Page


def _visible_grids(actor: Actor) -> frozenset[str] | None:
    """The grids whose inspections a caller sees; None: the whole tenant (centre, inspectors)."""
    if is_centre(actor) or Role.INSPECTOR in actor.roles:
        return None
    return actor.grid_ids


def _check_references(ctx: IntakeContext, inspection: domain.Inspection) -> None:
    """Ids the body names must be the tenant's own (422 naming the field)."""
    if ctx.registry.grid(inspection.grid_id) is None:
        raise InvalidInput.of("grid_id", f"no grid {inspection.grid_id} in this tenant")
    worker = inspection.worker_id
    if worker is not None and not ctx.accounts.has_user(worker):
        raise InvalidInput.of("worker_id", f"no user {worker} in this tenant")


def record_inspection(
    ctx: IntakeContext,
    *,
    kind: str,
    grid_id: str,
    found_on: date,
    category: str,
    worker_id: str | None = None,
    severity: str | None = None,
    description: str | None = None,
    photo_ids: Sequence[str] | None = None,
    rectification_deadline: datetime | None = None,
    request_id: str | None = None,
) -> domain.Inspection:
    """Record a finding (inspectors, centre) or a complaint (centre); publishes
    `inspection.recorded`. A retry with the same `request_id` answers the first record."""
    request = domain.request_id_of(request_id)
    inspection_id = retried_id(ctx, "inspection", request)
    if request is not None and (first := ctx.inspections.find_inspection(inspection_id)):
        return first
    now = ctx.now()
    inspection, event = domain.record(
        inspection_id=inspection_id,
        tenant_id=ctx.tenant_id,
        actor=actor_of(ctx),
        kind=kind,
        grid_id=grid_id,
        worker_id=worker_id,
        found_on=found_on,
        today=local_day(now),
        category=category,
        severity=severity,
        description=description,
        photo_ids=photo_ids,
        rectification_deadline=rectification_deadline,
        now=now,
        request_id=request,
    )
    _check_references(ctx, inspection)
    try:
        return ctx.inspections.add_inspection(inspection, [event])
    except Conflict:
        first = ctx.inspections.find_inspection(inspection_id) if request is not None else None
        if first is None:
            raise
        return first


def get_inspection(ctx: IntakeContext, *, inspection_id: str) -> domain.Inspection:
    """The inspection, if the caller may see it (centre and inspectors any, a grid worker
    his grids'); else 404."""
    found = ctx.inspections.find_inspection(inspection_id)
    grids = _visible_grids(actor_of(ctx))
    if found is None or (grids is not None and found.grid_id not in grids):
        raise NotFound(f"inspection {inspection_id} not found")
    return found


def list_inspections(
    ctx: IntakeContext,
    *,
    offset: int,
    limit: int,
    kind: str | None = None,
    state: str | None = None,
    grid_id: str | None = None,
    overdue: bool | None = None,
) -> Page[domain.Inspection]:
    """One page of the inspections the caller may see, latest recorded first."""
    where = InspectionFilter(
        kind=None if kind is None else domain.Kind(kind),
        state=None if state is None else domain.State(state),
        grid_id=grid_id,
        overdue=overdue,
        grid_ids=_visible_grids(actor_of(ctx)),
    )
    return ctx.inspections.page(where, offset=offset, limit=limit)


def _act(
    ctx: IntakeContext,
    inspection_id: str,
    apply: Callable[[domain.Inspection, Actor, datetime], tuple[domain.Inspection, Sequence[Any]]],
) -> domain.Inspection:
    actor = actor_of(ctx)
    for attempt in range(1, ATTEMPTS + 1):
        found = ctx.inspections.find_inspection(inspection_id)
        if found is None:
            raise NotFound(f"inspection {inspection_id} not found")
        updated, events = apply(found, actor, ctx.now())
        if not events:
            return updated
        try:
            return ctx.inspections.save_inspection(updated, events)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def verify_complaint(
    ctx: IntakeContext,
    *,
    inspection_id: str,
    rectification_deadline: datetime,
    request_id: str | None = None,
) -> domain.Inspection:
    """The centre verified a complaint (核实) and sets its rectification deadline;
    publishes `inspection.verified`."""
    return _act(
        ctx,
        inspection_id,
        lambda found, actor, now: domain.transition(
            found,
            domain.Action.VERIFY,
            actor,
            now,
            rectification_deadline=rectification_deadline,
            request_id=request_id,
        ),
    )


def dismiss_complaint(
    ctx: IntakeContext, *, inspection_id: str, reason: str, request_id: str | None = None
) -> domain.Inspection:
    """The centre found a complaint not verified; publishes `inspection.dismissed`."""
    return _act(
        ctx,
        inspection_id,
        lambda found, actor, now: domain.transition(
            found, domain.Action.DISMISS, actor, now, reason=reason, request_id=request_id
        ),
    )


def rectify(
    ctx: IntakeContext,
    *,
    inspection_id: str,
    evidence: str,
    photo_ids: Sequence[str] | None = None,
    request_id: str | None = None,
) -> domain.Inspection:
    """The grid's worker (or the centre) submits the rectification; publishes
    `inspection.rectified` (and `inspection.overdue` first when late and not yet recorded)."""
    return _act(
        ctx,
        inspection_id,
        lambda found, actor, now: domain.transition(
            found,
            domain.Action.RECTIFY,
            actor,
            now,
            evidence=evidence,
            photo_ids=photo_ids,
            request_id=request_id,
        ),
    )


def confirm(
    ctx: IntakeContext,
    *,
    inspection_id: str,
    accepted: bool = True,
    reason: str | None = None,
    request_id: str | None = None,
) -> domain.Inspection:
    """The centre accepts the rectification (`inspection.confirmed`) or, with ``accepted``
    false and a reason, does not (整改不到位: `inspection.rectification_rejected`)."""
    action = domain.Action.CONFIRM if accepted else domain.Action.REJECT_RECTIFICATION
    return _act(
        ctx,
        inspection_id,
        lambda found, actor, now: domain.transition(
            found, action, actor, now, reason=reason, request_id=request_id
        ),
    )


def mark_overdue(ctx: IntakeContext) -> int:
    """The scheduler's pass over this tenant at ``ctx.now()``: every inspection whose
    rectification deadline passed while a rectification was awaited gets
    `inspection.overdue`, once. Returns how many were marked; a second run marks none."""
    now = ctx.now()
    marked = 0
    for found in ctx.inspections.due(now):
        updated, events = domain.record_overdue(found, now)
        if not events:
            continue
        try:
            ctx.inspections.save_inspection(updated, events)
        except ConcurrentUpdate:
            continue
        marked += 1
    return marked
