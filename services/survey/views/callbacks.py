"""12345 回访 (hotline callbacks): import the provincial results file, list the kept callbacks.

The upload and its report are the platform's (`shared.http.uploads`). Only the centre imports
and reads callbacks; they carry no caller data anyway.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.survey.domain.callbacks import Callback
from services.survey.schemas.callbacks import (
    UPLOAD_BODY,
    CallbackImportSchema,
    CallbackPageQuerySchema,
    CallbackSchema,
)
from services.survey.use_cases import callbacks as use_cases
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, accepts, page_schema
from shared.http.uploads import XLSX, ImportQuerySchema, import_report_body, uploaded_file

blp = Blueprint("callbacks", __name__, description="12345 回访结果 (hotline callbacks)")


@blp.route("/callbacks/imports")
class CallbackImports(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
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
        return import_report_body(report)


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
