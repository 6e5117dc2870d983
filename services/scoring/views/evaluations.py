"""考核结果 (results): evaluate and publish a period, corrections, score sheets, the Excel
export, provisional scores, and simulating a draft or comparing versions over real facts."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.scoring.domain.compare import Comparison
from services.scoring.repository.evaluations import EditionSummary
from services.scoring.schemas.evaluations import (
    CompareQuerySchema,
    ComparisonSchema,
    CorrectionSchema,
    EditionQuerySchema,
    EditionSummarySchema,
    EvaluateSchema,
    EvaluationSchema,
    ProvisionalQuerySchema,
    SheetSchema,
    SimulateSchema,
)
from services.scoring.use_cases import evaluations as use_cases
from services.scoring.use_cases.evaluations import EvaluationView, SheetView
from services.scoring.views import CENTRE, context
from shared.auth import Role, require_roles
from shared.http import Blueprint

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Who reads results: the centre every subject's, a grid role only his own (the use case
# narrows; another subject's sheet is a 404).
READERS = (*CENTRE, Role.GRID_LEADER, Role.GRID_WORKER, Role.GRID_INSTRUCTOR)
_SCHEME = "/schemes/<string:scheme_id>"
_PERIOD = f"{_SCHEME}/evaluations/<string:period>"

blp = Blueprint("evaluations", __name__, description="考核结果 (results and score sheets)")


@blp.route(f"{_SCHEME}/evaluations")
class Evaluations(MethodView):
    @blp.response(200, EditionSummarySchema(many=True))
    @require_roles(*CENTRE)
    def get(self, scheme_id: str) -> list[EditionSummary]:
        """Every published edition of the scheme, by period then edition."""
        return use_cases.list_evaluations(context(), scheme_id=scheme_id)

    @blp.arguments(EvaluateSchema)
    @blp.response(201, EvaluationSchema)
    @blp.alt_response(409, description="the period runs, is published, or no version is")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], scheme_id: str) -> EvaluationView:
        """Evaluate the period with the latest published version over its facts, lock it as
        edition 1 and publish it (`scores.published`)."""
        ctx = context()
        header = use_cases.evaluate_period(ctx, scheme_id=scheme_id, **body)
        return use_cases.get_evaluation(
            ctx, scheme_id=scheme_id, period=header.period.label, edition=header.edition
        )


@blp.route(_PERIOD)
class Evaluation(MethodView):
    @blp.arguments(EditionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EvaluationSchema)
    @require_roles(*READERS)
    def get(self, scheme_id: str, period: str, edition: int | None = None) -> EvaluationView:
        """The period's published results (the latest edition unless ``edition``): every
        subject's row for the centre, his own for a grid role; the editions' history."""
        return use_cases.get_evaluation(
            context(), scheme_id=scheme_id, period=period, edition=edition
        )


@blp.route(f"{_PERIOD}/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionSchema)
    @blp.response(201, EvaluationSchema)
    @blp.alt_response(409, description="nothing published to correct")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], scheme_id: str, period: str) -> EvaluationView:
        """更正: evaluate the period again over the facts as they are now; stored and
        published as the next edition with its reason (earlier editions are kept)."""
        ctx = context()
        header = use_cases.correct_period(ctx, scheme_id=scheme_id, period=period, **body)
        return use_cases.get_evaluation(
            ctx, scheme_id=scheme_id, period=header.period.label, edition=header.edition
        )


@blp.route(f"{_PERIOD}/sheets/<string:subject_id>")
class Sheet(MethodView):
    @blp.arguments(EditionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SheetSchema)
    @require_roles(*READERS)
    def get(
        self, scheme_id: str, period: str, subject_id: str, edition: int | None = None
    ) -> SheetView:
        """评分表: one subject's sheet, every line with its points, its arithmetic in Chinese
        and English and the facts behind it down to their trace; total, rank, grade, flags
        and money lines."""
        return use_cases.get_sheet(
            context(), scheme_id=scheme_id, period=period, subject_id=subject_id, edition=edition
        )


@blp.route(f"{_PERIOD}/export")
class EvaluationExport(MethodView):
    @blp.arguments(EditionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(*CENTRE)
    def get(self, scheme_id: str, period: str, edition: int | None = None) -> Response:
        """考核结果导出: the edition's sheets as an .xlsx, a row per subject (排名, 总分, 等级,
        every line's points, every money line)."""
        export = use_cases.export_evaluation(
            context(), scheme_id=scheme_id, period=period, edition=edition
        )
        return send_file(
            io.BytesIO(export.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{export.name}.xlsx",
        )


@blp.route(f"{_SCHEME}/provisional")
class Provisional(MethodView):
    @blp.arguments(ProvisionalQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EvaluationSchema)
    @require_roles(*READERS)
    def get(self, scheme_id: str, period: str | None = None) -> EvaluationView:
        """Provisional scores of the current period (or ``period``), updated within seconds
        of each new fact; not a published result."""
        return use_cases.get_provisional(context(), scheme_id=scheme_id, period=period)


@blp.route(f"{_SCHEME}/provisional/sheets/<string:subject_id>")
class ProvisionalSheet(MethodView):
    @blp.arguments(ProvisionalQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, SheetSchema)
    @require_roles(*READERS)
    def get(self, scheme_id: str, subject_id: str, period: str | None = None) -> SheetView:
        """One subject's provisional sheet, explained and traced like a published one."""
        return use_cases.get_provisional_sheet(
            context(), scheme_id=scheme_id, subject_id=subject_id, period=period
        )


@blp.route(f"{_SCHEME}/simulate")
class Simulate(MethodView):
    @blp.arguments(SimulateSchema)
    @blp.response(200, ComparisonSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], scheme_id: str) -> Comparison:
        """模拟: a draft against the latest published version over a period's real facts;
        per subject the change in points, rank, grade, flags and money. Stores nothing."""
        return use_cases.simulate(context(), scheme_id=scheme_id, **body)


@blp.route(f"{_SCHEME}/compare")
class Compare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ComparisonSchema)
    @require_roles(*CENTRE)
    def get(self, scheme_id: str, before: int, after: int, period: str) -> Comparison:
        """Two versions (``from``, ``to``) over the same period's real facts."""
        return use_cases.compare_versions(
            context(), scheme_id=scheme_id, before=before, after=after, period=period
        )
