"""Leave and work-clash use cases (请假/工作冲突): file, list, read, approve, reject, withdraw.

A worker files for himself (his id from the token); centre staff file for any user of the
tenant. A client ``request_id`` makes a retried filing answer the first one (200) and create
nothing. The centre and inspectors read the tenant's filings; a grid role only his own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.patrol_tracking.domain import leave as domain
from services.patrol_tracking.domain.leave import LeaveFiling
from services.patrol_tracking.use_cases.context import PatrolContext
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StateConflict
from shared.mongo import Page

# Filing ids of retried requests: uuid5 of tenant, actor and the client's request id.
_REQUEST_NAMESPACE = uuid.UUID("0b7f3c52-6e1d-4a8b-9c2f-5d4e7a1b3c60")


@dataclass(frozen=True)
class Filed:
    """A filing and whether this request made it (False: a retry answered the first)."""

    filing: LeaveFiling
    created: bool


def _leave_id(ctx: PatrolContext, request_id: str | None) -> str:
    if request_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_REQUEST_NAMESPACE, f"{ctx.tenant_id}\x1f{ctx.actor}\x1f{request_id}"))


def _replay(
    stored: LeaveFiling, worker_id: str, kind: str, first_day: date, last_day: date | None
) -> Filed:
    """The filing a retried request made; 409 when the request id was used for another."""
    asked = (worker_id, kind, first_day, last_day or first_day)
    if (stored.worker_id, stored.kind.value, stored.first_day, stored.last_day) != asked:
        raise StateConflict(
            f"request_id was already used for leave {stored.leave_id} of another worker, kind "
            "or days"
        )
    return Filed(filing=stored, created=False)


def file_leave(
    ctx: PatrolContext,
    *,
    first_day: date,
    kind: str,
    reason: str,
    last_day: date | None = None,
    worker_id: str | None = None,
    request_id: str | None = None,
) -> Filed:
    """File leave or a clash for a day or a span (`leave.filed`); late filings are taken and
    marked late. 403 for a grid worker filing for someone else, 422 for an unknown worker,
    409 when another standing filing covers one of the days."""
    worker = worker_id or ctx.actor
    leave_id = _leave_id(ctx, request_id)
    if request_id is not None:
        stored = ctx.leave.find(leave_id)
        if stored is not None:
            return _replay(stored, worker, kind, first_day, last_day)
    filing, event = domain.file_leave(
        leave_id=leave_id,
        tenant_id=ctx.tenant_id,
        worker_id=worker,
        first_day=first_day,
        last_day=last_day,
        kind=kind,
        reason=reason,
        filer=ctx.actor,
        filer_roles=ctx.roles,
        limit_days=ctx.settings.recent().leave_limit_days,
        now=ctx.now(),
        request_id=request_id,
    )
    if filing.worker_id != ctx.actor and not ctx.accounts.has_user(filing.worker_id):
        raise InvalidInput.of(
            "worker_id",
            f"no user {filing.worker_id} in this tenant (a user invited moments ago becomes "
            "known here within seconds)",
        )
    domain.check_no_overlap(
        filing, ctx.leave.filings_of(filing.worker_id, filing.first_day, filing.last_day)
    )
    try:
        return Filed(filing=ctx.leave.add_filing(filing, [event]), created=True)
    except Conflict:
        # A retry that raced the first request: the first one's filing is the answer.
        stored = ctx.leave.find(leave_id) if request_id is not None else None
        if stored is None:
            raise
        return _replay(stored, worker, kind, first_day, last_day)


def _visible(ctx: PatrolContext, leave_id: str) -> LeaveFiling:
    filing = ctx.leave.find(leave_id)
    if filing is None or not domain.can_read(filing, user_id=ctx.actor, roles=ctx.roles):
        # Someone else's filing is as unknown to a worker as another tenant's.
        raise NotFound(f"leave {leave_id} not found")
    return filing


def get_leave(ctx: PatrolContext, *, leave_id: str) -> LeaveFiling:
    """One filing: the centre and inspectors any of the tenant's, others their own (404)."""
    return _visible(ctx, leave_id)


def list_leave(
    ctx: PatrolContext,
    *,
    offset: int,
    limit: int,
    worker_id: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Page[LeaveFiling]:
    """One page of filings touching the day range, latest first; a grid role sees only his
    own (asking for another worker's is a 403)."""
    if domain.TENANT_READERS.isdisjoint(ctx.roles):
        if worker_id not in (None, ctx.actor):
            raise PermissionDenied("a grid worker lists only his own leave")
        worker_id = ctx.actor
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidInput.of("date_to", "must be on or after date_from")
    return ctx.leave.list_filings(
        offset=offset,
        limit=limit,
        worker_id=worker_id,
        status=status,
        date_from=date_from,
        date_to=date_to,
    )


def approve_leave(ctx: PatrolContext, *, leave_id: str) -> LeaveFiling:
    """Approve a requested filing (`leave.approved`); 409 unless requested."""
    approved, event = domain.approve(
        _visible(ctx, leave_id), actor=ctx.actor, roles=ctx.roles, now=ctx.now()
    )
    return ctx.leave.save_filing(approved, [event])


def reject_leave(ctx: PatrolContext, *, leave_id: str, reason: str) -> LeaveFiling:
    """Reject a requested filing with a reason (`leave.rejected`); 409 unless requested."""
    rejected, event = domain.reject(
        _visible(ctx, leave_id), actor=ctx.actor, roles=ctx.roles, reason=reason, now=ctx.now()
    )
    return ctx.leave.save_filing(rejected, [event])


def withdraw_leave(ctx: PatrolContext, *, leave_id: str) -> LeaveFiling:
    """The filer withdraws a requested filing (`leave.withdrawn`); 409 unless requested."""
    withdrawn, event = domain.withdraw(_visible(ctx, leave_id), actor=ctx.actor, now=ctx.now())
    return ctx.leave.save_filing(withdrawn, [event])
