"""Inspection (督查) use cases: record findings and complaints, verify or dismiss complaints,
rectify and confirm (整改), lists, and the scheduler's overdue marking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from services.event_intake.domain import inspections as domain
from services.event_intake.domain.registry import local_day
from services.event_intake.domain.workflow import Actor, is_centre
from services.event_intake.repository.inspections import InspectionFilter
from services.event_intake.use_cases import workflow
from services.event_intake.use_cases.context import IntakeContext
from services.event_intake.use_cases.workflow import actor_of
from shared.auth.principal import Role
from shared.errors import InvalidInput, NotFound
from shared.mongo import Page


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

    def create(
        inspection_id: str, request: str | None
    ) -> tuple[domain.Inspection, domain.InspectionRecorded]:
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
        return inspection, event

    return workflow.create_once(
        ctx,
        "inspection",
        request_id,
        find=ctx.inspections.find_inspection,
        create=create,
        add=ctx.inspections.add_inspection,
    )


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
    ctx: IntakeContext, inspection_id: str, action: domain.Action, **given: Any
) -> domain.Inspection:
    """`action` on the inspection by the caller (`given`: what the domain's `transition`
    takes)."""
    return workflow.act(
        ctx,
        find=lambda: ctx.inspections.find_inspection(inspection_id),
        missing=f"inspection {inspection_id} not found",
        apply=lambda found, actor, now: domain.transition(found, action, actor, now, **given),
        save=ctx.inspections.save_inspection,
    )


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
        domain.Action.VERIFY,
        rectification_deadline=rectification_deadline,
        request_id=request_id,
    )


def dismiss_complaint(
    ctx: IntakeContext, *, inspection_id: str, reason: str, request_id: str | None = None
) -> domain.Inspection:
    """The centre found a complaint not verified; publishes `inspection.dismissed`."""
    return _act(ctx, inspection_id, domain.Action.DISMISS, reason=reason, request_id=request_id)


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
        domain.Action.RECTIFY,
        evidence=evidence,
        photo_ids=photo_ids,
        request_id=request_id,
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
    return _act(ctx, inspection_id, action, reason=reason, request_id=request_id)


def mark_overdue(ctx: IntakeContext) -> int:
    """The scheduler's pass over this tenant at ``ctx.now()``: every inspection whose
    rectification deadline passed while a rectification was awaited gets
    `inspection.overdue`, once. Returns how many were marked; a second run marks none."""
    now = ctx.now()
    return workflow.mark_overdue(
        ctx.inspections.due(now),
        now,
        record=domain.record_overdue,
        save=ctx.inspections.save_inspection,
    )
