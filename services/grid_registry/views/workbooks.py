"""Excel import (multipart upload -> per-row report) and export (.xlsx download).

Uploads may be larger than JSON bodies (grid boundaries in a sheet): they are the platform's
(`shared.http.uploads`), at most `UPLOAD_MAX_BYTES`, a larger Content-Length refused (413 on
``file``) before a byte is read.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.grid_registry.domain.base_info import tenant_today
from services.grid_registry.schemas.workbooks import (
    UPLOAD_BODY,
    ExportQuerySchema,
    ImportReportSchema,
    TeamExportQuerySchema,
)
from services.grid_registry.use_cases import workbooks as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import require_roles
from shared.http import Blueprint, accepts
from shared.http.uploads import XLSX, ImportQuerySchema, uploaded_file
from shared.workbooks import ImportReport

# Measured: 1,000 division rows are 22 kB, so 5,000 rows of figures fit well under 1 MiB;
# the headroom is for sheets with GeoJSON boundaries (grid imports).
UPLOAD_MAX_BYTES = 4 * 1_048_576

blp = Blueprint("workbooks", __name__, description="Excel 导入导出 (workbook import/export)")


def uploaded_workbook() -> bytes:
    """The bytes of the multipart ``file`` part (413 over the limit, 422 when missing)."""
    data, _ = uploaded_file(max_bytes=UPLOAD_MAX_BYTES, kinds=".xlsx")
    return data


def import_context(dry_run: bool) -> RegistryContext:
    """The request's context, as a dry run when asked: the import runs the same path and its
    repositories store nothing."""
    ctx = context()
    return ctx.as_dry_run() if dry_run else ctx


def report_response(report: ImportReport) -> dict[str, Any]:
    """An import report as the JSON body (rendered by `ImportReportSchema`)."""
    return report.as_dict()


def xlsx_response(export: use_cases.Export) -> Response:
    """The workbook as a download named ``<name>-<tenant day>.xlsx``."""
    day = tenant_today(datetime.now(UTC)).isoformat()
    return send_file(
        io.BytesIO(export.data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{export.name}-{day}.xlsx",
    )


@blp.route("/divisions/import")
class DivisionsImport(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ImportReportSchema)
    @accepts("multipart/form-data")
    @require_roles(*WRITERS)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import 村社区 from a workbook (村社区编码, 村社区名称, 类型: 村/社区)."""
        report = use_cases.import_divisions(import_context(dry_run), data=uploaded_workbook())
        return report_response(report)


@blp.route("/divisions/export")
class DivisionsExport(MethodView):
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*READERS)
    def get(self) -> Response:
        """Every division in the import layout (importing it back changes nothing)."""
        return xlsx_response(use_cases.export_divisions(context()))


@blp.route("/base-info/import")
class BaseInfoImport(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ImportReportSchema)
    @accepts("multipart/form-data")
    @require_roles(*WRITERS)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import figures (网格编码, 类别, 子类, 应采集数, 已采集数, 已核实数, 统计日期)."""
        report = use_cases.import_base_info(import_context(dry_run), data=uploaded_workbook())
        return report_response(report)


@blp.route("/base-info/export")
class BaseInfoExport(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*READERS)
    def get(self, as_of: date | None = None) -> Response:
        """The latest figures on or before ``as_of`` in the import layout."""
        export = use_cases.export_base_info(context(), as_of=as_of)
        return xlsx_response(export)


@blp.route("/grids/import")
class GridsImport(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ImportReportSchema)
    @accepts("multipart/form-data")
    @require_roles(*WRITERS)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import 网格 (网格编码, 网格名称, 村社区编码, 网格类型, 边界GeoJSON), rows in order."""
        report = use_cases.import_grids(import_context(dry_run), data=uploaded_workbook())
        return report_response(report)


@blp.route("/grids/export")
class GridsExport(MethodView):
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*READERS)
    def get(self) -> Response:
        """Every active grid in the import layout (importing it back changes nothing)."""
        export = use_cases.export_grids(context())
        return xlsx_response(export)


@blp.route("/teams/import")
class TeamsImport(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(200, ImportReportSchema)
    @accepts("multipart/form-data")
    @require_roles(*WRITERS)
    def post(self, dry_run: bool) -> dict[str, Any]:
        """Import 网格队伍 (网格编码, 角色, 姓名, 用户ID, 手机号, 起始日期, 终止日期)."""
        report = use_cases.import_teams(import_context(dry_run), data=uploaded_workbook())
        return report_response(report)


@blp.route("/teams/export")
class TeamsExport(MethodView):
    @blp.arguments(TeamExportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*READERS)
    def get(self, day: date | None = None) -> Response:
        """Memberships active on ``date``, or every membership with history, in the import
        layout."""
        export = use_cases.export_teams(context(), on=day)
        return xlsx_response(export)
