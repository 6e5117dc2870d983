"""督查 (inspections): inspector findings, spot checks and resident complaints, and the
rectification (整改) each one asks for."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.event_intake.domain.inspections import Inspection
from services.event_intake.schemas.inspections import (
    ConfirmSchema,
    DismissSchema,
    InspectionCreateSchema,
    InspectionPageQuerySchema,
    InspectionSchema,
    RectifySchema,
    VerifySchema,
)
from services.event_intake.use_cases import inspections as use_cases
from services.event_intake.views import CENTRE, READERS, context
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint(
    "inspections", __name__, description="督查 (inspections, complaints) and 整改 (rectification)"
)

RECORDERS = (*CENTRE, Role.INSPECTOR)
_STATE = "the inspection is not in a state that allows this"


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(InspectionPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(InspectionSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Inspection]:
        """Inspections the caller may see (centre and inspectors all, grid workers their
        grids'), latest recorded first."""
        found = use_cases.list_inspections(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    @require_roles(*RECORDERS)
    def post(self, body: dict[str, Any]) -> tuple[Inspection, int]:
        """Record a finding (inspectors, centre) or a complaint (centre only); publishes
        `inspection.recorded`."""
        return use_cases.record_inspection(context(), **body), 201


@blp.route("/inspections/<string:inspection_id>")
class InspectionItem(MethodView):
    @blp.response(200, InspectionSchema)
    @require_roles(*READERS)
    def get(self, inspection_id: str) -> Inspection:
        """One inspection, with its history."""
        return use_cases.get_inspection(context(), inspection_id=inspection_id)


@blp.route("/inspections/<string:inspection_id>/verify")
class InspectionVerify(MethodView):
    @blp.arguments(VerifySchema)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], inspection_id: str) -> Inspection:
        """A complaint was verified (核实); sets its deadline; `inspection.verified`."""
        return use_cases.verify_complaint(context(), inspection_id=inspection_id, **body)


@blp.route("/inspections/<string:inspection_id>/dismiss")
class InspectionDismiss(MethodView):
    @blp.arguments(DismissSchema)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], inspection_id: str) -> Inspection:
        """A complaint was not verified; publishes `inspection.dismissed`."""
        return use_cases.dismiss_complaint(context(), inspection_id=inspection_id, **body)


@blp.route("/inspections/<string:inspection_id>/rectify")
class InspectionRectify(MethodView):
    @blp.arguments(RectifySchema)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], inspection_id: str) -> Inspection:
        """The grid's worker (or the centre) submits the rectification;
        `inspection.rectified`."""
        return use_cases.rectify(context(), inspection_id=inspection_id, **body)


@blp.route("/inspections/<string:inspection_id>/confirm")
class InspectionConfirm(MethodView):
    @blp.arguments(ConfirmSchema)
    @blp.response(200, InspectionSchema)
    @blp.alt_response(409, description=_STATE)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], inspection_id: str) -> Inspection:
        """The centre accepts the rectification (`inspection.confirmed`) or, with
        ``accepted: false``, does not (`inspection.rectification_rejected`)."""
        return use_cases.confirm(context(), inspection_id=inspection_id, **body)
