"""12345 回访 (hotline callbacks): import the provincial results file, list the kept callbacks.

The upload may be larger than a JSON body: the app-wide body cap is raised for the import
view only, per request, to `UPLOAD_MAX_BYTES` plus the multipart framing; a Content-Length
above it is a 413 on ``file`` before a byte is read, and the file itself is held to the limit
exactly. Only the centre imports and reads callbacks; they carry no caller data anyway.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from services.survey.domain.callbacks import Callback
from services.survey.schemas.callbacks import (
    UPLOAD_BODY,
    CallbackImportQuerySchema,
    CallbackImportSchema,
    CallbackPageQuerySchema,
    CallbackSchema,
)
from services.survey.use_cases import callbacks as use_cases
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.errors import ContentTooLarge, FieldProblem, InvalidInput
from shared.http import Blueprint, PageRequest, PageResponse, accepts, page_schema
from shared.workbooks import ImportReport, RowOutcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 5,000 results rows are well under a MiB of CSV; the limit leaves room for wide exports.
UPLOAD_MAX_BYTES = 8 * 1_048_576
MULTIPART_OVERHEAD = 64 * 1024
_FILE = "file"

blp = Blueprint("callbacks", __name__, description="12345 回访结果 (hotline callbacks)")


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


@blp.route("/callbacks/imports")
class CallbackImports(MethodView):
    @blp.arguments(CallbackImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, CallbackImportSchema)
    @accepts("multipart/form-data")
    @require_roles(*CENTRE)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import the provincial 12345 callback results (工单编号, 回访结果, 回访时间, and
        网格编码 for a work order intake does not know, 事项编号 optional). The latest callback
        per work order is kept; good rows land, bad ones are reported per column; importing
        again changes nothing; each changed work order publishes one `callback.recorded`."""
        data, filename = uploaded_file()
        ctx = context()
        report = use_cases.import_results(
            ctx.as_dry_run() if dry_run else ctx, data=data, filename=filename
        )
        return report_body(report)


@blp.route("/callbacks/imports/template")
class CallbackImportTemplate(MethodView):
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*CENTRE)
    def get(self) -> Response:
        """The import's headers and one example row, as an .xlsx."""
        found = use_cases.template(context())
        return send_file(
            io.BytesIO(found.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{found.name}.xlsx",
        )


@blp.route("/callbacks")
class Callbacks(MethodView):
    @blp.arguments(CallbackPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(CallbackSchema))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Callback]:
        """The kept callbacks, latest call first; filters: period_kind with period (the
        call's Asia/Shanghai day), grid_id."""
        found = use_cases.list_callbacks(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)
