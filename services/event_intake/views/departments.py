"""职能部门 (departments): where the centre dispatches events and tasks."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.event_intake.domain.departments import Department
from services.event_intake.schemas.departments import (
    DepartmentChangeSchema,
    DepartmentCreateSchema,
    DepartmentSchema,
)
from services.event_intake.use_cases import departments as use_cases
from services.event_intake.views import CENTRE, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("departments", __name__, description="职能部门 (handling departments)")


@blp.route("/departments")
class Departments(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(DepartmentSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest) -> PageResponse[Department]:
        """The tenant's departments by code."""
        found = use_cases.page(context(), offset=paging.offset, limit=paging.limit)
        return paging.page_of(found.items, found.total)

    @blp.arguments(DepartmentCreateSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(409, description="the code is taken, or a member acts for another")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> tuple[Department, int]:
        """A new department; publishes `department.changed`."""
        return use_cases.create(context(), **body), 201


@blp.route("/departments/<string:department_id>")
class DepartmentItem(MethodView):
    @blp.response(200, DepartmentSchema)
    @require_roles(*READERS)
    def get(self, department_id: str) -> Department:
        return use_cases.require(context(), department_id)

    @blp.arguments(DepartmentChangeSchema)
    @blp.response(200, DepartmentSchema)
    @blp.alt_response(409, description="a member acts for another department")
    @require_roles(*CENTRE)
    def patch(self, body: dict[str, Any], department_id: str) -> Department:
        """Rename, change members or (de)activate; publishes `department.changed`."""
        return use_cases.change(context(), department_id=department_id, **body)
