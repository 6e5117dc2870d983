"""请假/工作冲突 (leave and work clashes): file, list, read, approve, reject, withdraw."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.patrol_tracking.domain.leave import LeaveFiling
from services.patrol_tracking.schemas.leave import (
    LeaveCreateSchema,
    LeavePageQuerySchema,
    LeaveRejectSchema,
    LeaveSchema,
)
from services.patrol_tracking.use_cases import leave as use_cases
from services.patrol_tracking.views import CENTRE, PATROLLERS, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("leave", __name__, description="请假与工作冲突备案 (leave and work clashes)")

# Who files: a patroller for himself, the centre for anyone of the tenant.
FILERS = (*PATROLLERS, *CENTRE)


@blp.route("/leave")
class Leave(MethodView):
    @blp.arguments(LeavePageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(LeaveSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[LeaveFiling]:
        """Filings, latest first day first; a grid role sees only his own. Filters:
        worker_id, status, date_from, date_to (filings touching the range)."""
        found = use_cases.list_leave(context(), offset=paging.offset, limit=paging.limit, **filters)
        return paging.page_of(found.items, found.total)

    @blp.arguments(LeaveCreateSchema)
    @blp.response(201, LeaveSchema)
    @blp.alt_response(200, schema=LeaveSchema, description="a retried request id: the first")
    @blp.alt_response(403, description="a grid worker filing for someone else")
    @blp.alt_response(409, description="another standing filing covers one of the days")
    @require_roles(*FILERS)
    def post(self, body: dict[str, Any]) -> tuple[LeaveFiling, int]:
        """File leave or a work clash for a day or a span; publishes `leave.filed`. Filed
        more than the tenant's limit after a day, it is taken, marked late, and will not
        excuse that day."""
        found = use_cases.file_leave(context(), **body)
        return found.filing, 201 if found.created else 200


@blp.route("/leave/<string:leave_id>")
class LeaveItem(MethodView):
    @blp.response(200, LeaveSchema)
    @require_roles(*READERS)
    def get(self, leave_id: str) -> LeaveFiling:
        """One filing (a grid role's own only)."""
        return use_cases.get_leave(context(), leave_id=leave_id)


@blp.route("/leave/<string:leave_id>/approve")
class LeaveApprove(MethodView):
    @blp.response(200, LeaveSchema)
    @blp.alt_response(409, description="not requested (decided or withdrawn)")
    @require_roles(*CENTRE)
    def post(self, leave_id: str) -> LeaveFiling:
        """Approve (批准); publishes `leave.approved`. A late filing is approved as late."""
        return use_cases.approve_leave(context(), leave_id=leave_id)


@blp.route("/leave/<string:leave_id>/reject")
class LeaveReject(MethodView):
    @blp.arguments(LeaveRejectSchema)
    @blp.response(200, LeaveSchema)
    @blp.alt_response(409, description="not requested (decided or withdrawn)")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], leave_id: str) -> LeaveFiling:
        """Reject (驳回) with a reason; publishes `leave.rejected`."""
        return use_cases.reject_leave(context(), leave_id=leave_id, reason=body["reason"])


@blp.route("/leave/<string:leave_id>/withdraw")
class LeaveWithdraw(MethodView):
    @blp.response(200, LeaveSchema)
    @blp.alt_response(403, description="not the filer")
    @blp.alt_response(409, description="not requested (decided or withdrawn)")
    @require_roles(*FILERS)
    def post(self, leave_id: str) -> LeaveFiling:
        """The filer takes the filing back (撤回) while it waits; publishes `leave.withdrawn`."""
        return use_cases.withdraw_leave(context(), leave_id=leave_id)
