"""Work record use cases (工作记录): record, list, read, correct and void.

A grid worker records, lists, reads and corrects only his own records, for the grids he is on
on the record's day (`RegistryView.grid_ids_of_user`); the tenant centre works on anyone's. A
client ``request_id`` makes a retried POST answer the record the first one made.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.event_intake.domain import records as domain
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StateConflict
from shared.mongo import Page

# Record ids of retried requests: uuid5 of tenant, actor and the client's request id.
_REQUEST_NAMESPACE = uuid.UUID("5f0c1c7e-9a52-4d3e-8f1b-6b1f0e7a2c41")


def _recorder(ctx: IntakeContext, day: date) -> domain.Recorder:
    """The actor as the domain sees him; his grids on ``day`` only when they matter."""
    roles = frozenset(ctx.roles)
    recorder = domain.Recorder(user_id=ctx.actor, roles=roles)
    if recorder.is_centre:
        return recorder
    return domain.Recorder(
        user_id=ctx.actor, roles=roles, grid_ids=ctx.registry.grid_ids_of_user(ctx.actor, day)
    )


def _record_id(ctx: IntakeContext, request_id: str | None) -> str:
    if request_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_REQUEST_NAMESPACE, f"{ctx.tenant_id}|{ctx.actor}|{request_id}"))


def _replay(
    stored: domain.WorkRecord, kind: str, grid_id: str, worker_id: str
) -> domain.WorkRecord:
    """The record a retried request made; 409 when the request id was used for another."""
    if (stored.kind.value, stored.grid_id, stored.worker_id) != (kind, grid_id, worker_id):
        raise StateConflict(
            f"request_id was already used for record {stored.record_id} of another kind, grid "
            "or worker"
        )
    return stored


def _check_references(
    ctx: IntakeContext, recorder: domain.Recorder, grid_id: str, worker: str
) -> None:
    """The centre names any grid and worker, so they must be the tenant's (422 otherwise); a
    worker's own grids come from the registry and his id from his token."""
    if not recorder.is_centre:
        return
    if ctx.registry.grid(grid_id) is None:
        raise InvalidInput.of("grid_id", "no such grid in this tenant")
    if worker != ctx.actor and not ctx.accounts.has_user(worker):
        raise InvalidInput.of(
            "worker_id",
            f"no user {worker} in this tenant (a user invited moments ago becomes known here "
            "within seconds)",
        )


def record_work(
    ctx: IntakeContext,
    *,
    kind: str,
    grid_id: str,
    worker_id: str | None = None,
    date: date | None = None,
    note: str | None = None,
    request_id: str | None = None,
    **values: Any,
) -> domain.WorkRecord:
    """Record one piece of work (``worker_id`` defaults to the actor); `record.created`.
    The same ``request_id`` from the same actor answers the first record and stores nothing."""
    parsed = domain.parse_kind(kind)
    worker = worker_id or ctx.actor
    record_id = _record_id(ctx, request_id)
    if request_id is not None:
        stored = ctx.records.find_record(record_id)
        if stored is not None:
            return _replay(stored, parsed.value, grid_id, worker)
    day = domain.record_day(parsed, date, values)
    recorder = _recorder(ctx, day)
    record, event = domain.record_work(
        record_id=record_id,
        tenant_id=ctx.tenant_id,
        kind=parsed.value,
        grid_id=grid_id,
        worker_id=worker,
        day=date,
        values=values,
        note=note,
        request_id=request_id,
        recorder=recorder,
        now=ctx.now(),
    )
    _check_references(ctx, recorder, record.grid_id, record.worker_id)
    try:
        return ctx.records.add_record(record, [event])
    except Conflict:
        # A retry that raced the first request: the first one's record is the answer.
        stored = ctx.records.find_record(record_id) if request_id is not None else None
        if stored is None:
            raise
        return _replay(stored, parsed.value, grid_id, worker)


def _visible(ctx: IntakeContext, record_id: str) -> domain.WorkRecord:
    record = ctx.records.find_record(record_id)
    if record is None or not domain.can_read(record, user_id=ctx.actor, roles=ctx.roles):
        # Someone else's record is as unknown to a worker as another tenant's.
        raise NotFound(f"record {record_id} not found")
    return record


def get_record(ctx: IntakeContext, *, record_id: str) -> domain.WorkRecord:
    """One record: the centre any of the tenant's, others only their own (404 otherwise)."""
    return _visible(ctx, record_id)


def list_records(
    ctx: IntakeContext,
    *,
    offset: int,
    limit: int,
    kind: str | None = None,
    grid_id: str | None = None,
    worker_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    voided: bool | None = None,
) -> Page[domain.WorkRecord]:
    """One page of records, newest day first; anyone but the centre sees only his own
    (asking for another worker's is a 403)."""
    if not domain.CENTRE_ROLES.isdisjoint(ctx.roles):
        worker = worker_id
    elif worker_id not in (None, ctx.actor):
        raise PermissionDenied("a grid worker lists only his own records")
    else:
        worker = ctx.actor
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidInput.of("date_to", "must be on or after date_from")
    return ctx.records.list_records(
        offset=offset,
        limit=limit,
        kind=kind,
        grid_id=grid_id,
        worker_id=worker,
        date_from=date_from,
        date_to=date_to,
        voided=voided,
    )


def correct_record(
    ctx: IntakeContext, *, record_id: str, reason: str, changes: Mapping[str, Any]
) -> domain.WorkRecord:
    """Correct a record (更正) with a reason; `record.corrected`. A worker corrects only his
    own, into a grid he is on on the (corrected) day; 409 once voided."""
    record = _visible(ctx, record_id)
    recorder = _recorder(ctx, domain.corrected_day(record, changes))
    corrected, event = domain.correct_record(
        record, changes=changes, reason=reason, recorder=recorder, now=ctx.now()
    )
    if corrected.grid_id != record.grid_id:
        _check_references(ctx, recorder, corrected.grid_id, corrected.worker_id)
    return ctx.records.save_record(corrected, [event])


def void_record(ctx: IntakeContext, *, record_id: str, reason: str) -> domain.WorkRecord:
    """Void a record (作废), the centre only; `record.voided`. 409 when already voided."""
    record = _visible(ctx, record_id)
    voided, event = domain.void_record(
        record,
        reason=reason,
        recorder=domain.Recorder(ctx.actor, frozenset(ctx.roles)),
        now=ctx.now(),
    )
    return ctx.records.save_record(voided, [event])
