"""12345 热线工单 (hotline work orders): import a workbook or CSV into events, download the
template.

The upload may be larger than a JSON body: the app-wide body cap is raised for the import
view only, per request, to `UPLOAD_MAX_BYTES` plus the multipart framing; a Content-Length
above it is a 413 on ``file`` before a byte is read, and the file itself is held to the limit
exactly. A body sent chunked (without Content-Length) is still held to the app-wide cap, read
before any view runs.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from services.event_intake.domain.registry import local_day
from services.event_intake.schemas.hotline import (
    UPLOAD_BODY,
    ImportQuerySchema,
    WorkOrderImportSchema,
)
from services.event_intake.use_cases import hotline as use_cases
from services.event_intake.views import CENTRE, context
from shared.auth import require_roles
from shared.errors import ContentTooLarge, FieldProblem, InvalidInput
from shared.http import Blueprint, accepts
from shared.workbooks import ImportReport, RowOutcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 5,000 work orders with a long account each are a few MiB of CSV (GB18030 or UTF-8); an
# .xlsx of them is smaller.
UPLOAD_MAX_BYTES = 8 * 1_048_576
MULTIPART_OVERHEAD = 64 * 1024
_FILE = "file"

blp = Blueprint("hotline", __name__, description="12345 热线工单 (hotline work-order import)")


def uploaded_file() -> tuple[bytes, str]:
    """The multipart ``file`` (at most one byte over the limit is read) and its name."""
    settings = current_app.extensions["gridgov"]["settings"]
    body_limit = max(UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD, settings.http_max_body_bytes)
    too_large = ContentTooLarge(
        [FieldProblem(_FILE, f"文件过大 / larger than {UPLOAD_MAX_BYTES // 1_048_576} MiB")]
    )
    if request.content_length is not None and request.content_length > body_limit:
        raise too_large
    request.max_content_length = body_limit
    upload = request.files.get(_FILE)
    if upload is None:
        raise InvalidInput.of(
            _FILE, "必填：上传 .xlsx 或 .csv 文件 / required: a multipart part 'file'"
        )
    data: bytes = upload.stream.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        raise too_large
    return data, upload.filename or ""


def report_body(report: ImportReport) -> dict[str, Any]:
    """The report as the client wants it: counts and every problem with its row."""
    return {
        "dry_run": report.dry_run,
        "rows": len(report.rows),
        "created": report.count(RowOutcome.CREATED),
        "updated": report.count(RowOutcome.UPDATED),
        "unchanged": report.count(RowOutcome.UNCHANGED),
        "failed": report.count(RowOutcome.REJECTED),
        "problems": [
            {"row": row.number, "column": problem.column, "reason": problem.reason}
            for row in report.rows
            for problem in row.problems
        ],
    }


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
        return report_body(report)


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
