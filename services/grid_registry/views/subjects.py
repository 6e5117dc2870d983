"""重点对象 (key subjects): visible to the tenant centre and the grid's own team only."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from services.grid_registry.domain.subjects import Subject
from services.grid_registry.schemas.subjects import (
    SubjectArchiveSchema,
    SubjectCreateSchema,
    SubjectMoveSchema,
    SubjectQuerySchema,
    SubjectSchema,
    SubjectUpdateSchema,
)
from services.grid_registry.use_cases import subjects as use_cases
from services.grid_registry.views import READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("subjects", __name__, url_prefix="/subjects", description="重点对象 (key subjects)")


@blp.route("")
class Subjects(MethodView):
    @blp.arguments(SubjectQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(SubjectSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, **filters: str) -> PageResponse[Subject]:
        """The subjects the caller may see (centre: all; a grid team: its grids; others: none)."""
        found = use_cases.list_subjects(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(SubjectCreateSchema)
    @blp.response(201, SubjectSchema)
    @blp.alt_response(409, description="the ID number is registered already, or grid retired")
    @require_roles(*READERS)
    def post(self, body: dict[str, Any]) -> tuple[Subject, int, dict[str, str]]:
        """Register a key subject in a grid (centre, or that grid's team); `subject.registered`."""
        category = body.pop("category")
        grid_id = body.pop("grid_id")
        subject = use_cases.register_subject(
            context(), category=category, grid_id=grid_id, data=body
        )
        location = url_for("subjects.SubjectById", subject_id=subject.subject_id)
        return subject, 201, {"Location": location}


@blp.route("/<string:subject_id>")
class SubjectById(MethodView):
    @blp.response(200, SubjectSchema)
    @require_roles(*READERS)
    def get(self, subject_id: str) -> Subject:
        """One subject with its personal data; 404 for anyone outside the centre and the team."""
        return use_cases.get_subject(context(), subject_id=subject_id)

    @blp.arguments(SubjectUpdateSchema)
    @blp.response(200, SubjectSchema)
    @blp.alt_response(409, description="archived, or the new ID number is registered already")
    @require_roles(*READERS)
    def patch(self, body: dict[str, Any], subject_id: str) -> Subject:
        """Change the fields sent (null clears); publishes `subject.updated`."""
        return use_cases.update_subject(context(), subject_id=subject_id, changes=body)


@blp.route("/<string:subject_id>/move")
class SubjectMove(MethodView):
    @blp.arguments(SubjectMoveSchema)
    @blp.response(200, SubjectSchema)
    @blp.alt_response(409, description="archived, already in that grid, or that grid retired")
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], subject_id: str) -> Subject:
        """Move the subject to another grid (history kept); publishes `subject.moved`."""
        return use_cases.move_subject(context(), subject_id=subject_id, grid_id=body["grid_id"])


@blp.route("/<string:subject_id>/archive")
class SubjectArchive(MethodView):
    @blp.arguments(SubjectArchiveSchema)
    @blp.response(200, SubjectSchema)
    @blp.alt_response(409, description="already archived")
    @require_roles(*READERS)
    def post(self, body: dict[str, Any], subject_id: str) -> Subject:
        """Archive the subject with a reason (never deleted); publishes `subject.archived`."""
        return use_cases.archive_subject(context(), subject_id=subject_id, reason=body["reason"])
