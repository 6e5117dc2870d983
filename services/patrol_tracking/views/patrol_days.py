"""巡查日报与汇总 (patrol summaries): the daily table and its Excel export, a worker's month,
the phone's own month, and who is patrolling now."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.patrol_tracking.domain.intake import patrol_day
from services.patrol_tracking.schemas.patrol_days import (
    DayExportQuerySchema,
    DayListQuerySchema,
    DaySchema,
    LiveBoardSchema,
    LiveQuerySchema,
    MonthQuerySchema,
    WorkerMonthSchema,
)
from services.patrol_tracking.use_cases import summaries as use_cases
from services.patrol_tracking.use_cases.summaries import DayRow, LiveBoard, WorkerMonth
from services.patrol_tracking.views import CENTRE, PATROLLERS, READERS, context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema
from shared.http.uploads import XLSX

# Who watches the live board: the centre and the inspectors.
WATCHERS = (*CENTRE, Role.INSPECTOR)

blp = Blueprint("patrol_days", __name__, description="巡查日报与汇总 (patrol summaries)")


@blp.route("/days")
class Days(MethodView):
    @blp.arguments(DayListQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(DaySchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[DayRow]:
        """巡查日报: worker-days, newest day first, then by worker, with verdict (``open``
        before the cut-off), reasons and figures. A grid worker sees only his own days.
        Filters: day, month, worker_id, grid_id, division_id, status."""
        found = use_cases.list_days(context(), offset=paging.offset, limit=paging.limit, **filters)
        return paging.page_of(found.items, found.total)


@blp.route("/days/export")
class DaysExport(MethodView):
    @blp.arguments(DayExportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @blp.alt_response(422, description="more days match than `limit`")
    @require_roles(*CENTRE)
    def get(self, **filters: Any) -> Response:
        """巡查日报导出: every matching worker-day as an .xlsx with Chinese headers (日期, 网格员,
        网格, 状态, 巡查时长(分钟), 里程(公里), 在线时长(分钟), 上午, 下午, 原因 ...)."""
        ctx = context()
        export = use_cases.export_days(ctx, **filters)
        return send_file(
            io.BytesIO(export.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{export.name}-{patrol_day(ctx.now()).isoformat()}.xlsx",
        )


@blp.route("/workers/<string:worker_id>/month")
class WorkerMonthView(MethodView):
    @blp.arguments(MonthQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, WorkerMonthSchema)
    @require_roles(*READERS)
    def get(self, worker_id: str, month: str | None = None) -> WorkerMonth:
        """月度巡查: the worker's days of ``month`` up to today, the ISO weeks touching it and
        the month's totals (failing days, longest failing streak, seed 004's forfeiture). A
        grid worker reads only his own month."""
        return use_cases.worker_month(context(), worker_id=worker_id, month=month)


@blp.route("/me/month")
class MyMonth(MethodView):
    @blp.arguments(MonthQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, WorkerMonthSchema)
    @require_roles(*PATROLLERS)
    def get(self, month: str | None = None) -> WorkerMonth:
        """我的月度巡查 (the phone's own month): as `/workers/{worker_id}/month` for the caller."""
        ctx = context()
        return use_cases.worker_month(ctx, worker_id=ctx.actor, month=month)


@blp.route("/patrols/live")
class LivePatrols(MethodView):
    @blp.arguments(LiveQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, LiveBoardSchema)
    @require_roles(*WATCHERS)
    def get(self, within_minutes: int) -> LiveBoard:
        """实时在岗: workers whose newest accepted fix today is at most ``within_minutes`` old,
        newest first, with the position, the day's grid and today's patrol so far."""
        return use_cases.patrolling_now(context(), within_minutes=within_minutes)
