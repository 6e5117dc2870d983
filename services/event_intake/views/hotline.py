"""12345 热线工单 (hotline work orders): import a workbook or CSV into events, download the
template.

The upload and its report are the platform's (`shared.http.uploads`): 8 MiB at most, a
Content-Length above it a 413 on ``file`` before a byte is read.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.event_intake.domain.registry import local_day
from services.event_intake.schemas.hotline import UPLOAD_BODY, WorkOrderImportSchema
from services.event_intake.use_cases import hotline as use_cases
from services.event_intake.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, accepts
from shared.http.uploads import XLSX, ImportQuerySchema, import_report_body, uploaded_file

blp = Blueprint("hotline", __name__, description="12345 热线工单 (hotline work-order import)")


@blp.route("/hotline/work-orders/import")
class WorkOrdersImport(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, WorkOrderImportSchema)
    @accepts("multipart/form-data")
    @require_roles(*CENTRE)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import 12345 work orders (工单编号, 来电时间, 诉求分类, 诉求标题, 诉求内容, 事发地址,
        经度/纬度 or 网格编码, 回访结果, 回访时间) as events from ``hotline_12345``; good rows
        land, bad ones are reported per column; importing again changes nothing."""
        data, filename = uploaded_file()
        ctx = context()
        report = use_cases.import_work_orders(
            ctx.as_dry_run() if dry_run else ctx, data=data, filename=filename
        )
        return import_report_body(report)


@blp.route("/hotline/work-orders/template")
class WorkOrdersTemplate(MethodView):
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*CENTRE)
    def get(self) -> Response:
        """The import's headers and one example row, as an .xlsx."""
        ctx = context()
        found = use_cases.template(ctx)
        return send_file(
            io.BytesIO(found.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{found.name}-{local_day(ctx.now()).isoformat()}.xlsx",
        )
