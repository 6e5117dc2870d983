"""考核方案 (schemes): templates, create, edit the draft, validate, publish, versions, compare.

The tenant's assessment office only (centre roles): a scheme decides everyone's scores.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.scoring.schemas.schemes import (
    DraftSchema,
    SchemeCreateSchema,
    SchemeDetailSchema,
    SchemeSummarySchema,
    TemplateDetailSchema,
    TemplateSchema,
    ValidateRequestSchema,
    ValidationSchema,
    VersionSchema,
)
from services.scoring.use_cases import schemes as use_cases
from services.scoring.use_cases.schemes import SchemeDetail, SchemeSummary, Template, Validation
from services.scoring.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, page_schema

blp = Blueprint("schemes", __name__, description="考核方案 (assessment schemes)")


@blp.route("/scheme-templates")
class Templates(MethodView):
    @blp.response(200, TemplateSchema(many=True))
    @require_roles(*CENTRE)
    def get(self) -> list[Template]:
        """The seed templates a scheme may start from (模板)."""
        return use_cases.list_templates()


@blp.route("/scheme-templates/<string:name>")
class TemplateItem(MethodView):
    @blp.response(200, TemplateDetailSchema)
    @require_roles(*CENTRE)
    def get(self, name: str) -> Template:
        """One template with its YAML text (readings of ambiguous passages as comments)."""
        return use_cases.get_template(name)


@blp.route("/schemes")
class Schemes(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_schema(SchemeSummarySchema))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest) -> PageResponse[SchemeSummary]:
        """The tenant's schemes by id: latest version and status, latest published version."""
        found = use_cases.list_schemes(context(), offset=paging.offset, limit=paging.limit)
        return paging.page_of(found.items, found.total)

    @blp.arguments(SchemeCreateSchema)
    @blp.response(201, VersionSchema)
    @blp.alt_response(409, description="the tenant has a scheme of this id")
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a scheme as draft version 1 from a template, a YAML/JSON text or a JSON
        document (exactly one). Its id: ``id``, else the document's own."""
        return use_cases.create_scheme(
            context(),
            scheme_id=body.get("id"),
            template=body.get("template"),
            text=body.get("text"),
            document=body.get("document"),
        )


@blp.route("/schemes/<string:scheme_id>")
class SchemeItem(MethodView):
    @blp.response(200, SchemeDetailSchema)
    @require_roles(*CENTRE)
    def get(self, scheme_id: str) -> SchemeDetail:
        """The scheme, its versions and its latest version in full."""
        return use_cases.get_scheme(context(), scheme_id=scheme_id)


@blp.route("/schemes/<string:scheme_id>/draft")
class SchemeDraft(MethodView):
    @blp.arguments(DraftSchema)
    @blp.response(200, VersionSchema)
    @blp.alt_response(409, description="the latest version is published: start a new one")
    @require_roles(*CENTRE)
    def put(self, body: dict[str, Any], scheme_id: str) -> Any:
        """Replace the draft's text (kept even when invalid; validate to see its problems).
        The scheme's id and the draft's number are written into it."""
        return use_cases.save_draft(context(), scheme_id=scheme_id, text=body["text"])


@blp.route("/schemes/<string:scheme_id>/versions")
class SchemeVersions(MethodView):
    @blp.response(201, VersionSchema)
    @blp.alt_response(409, description="the latest version is a draft already")
    @require_roles(*CENTRE)
    def post(self, scheme_id: str) -> Any:
        """Start the next version as a draft copied from the latest (published) one."""
        return use_cases.start_version(context(), scheme_id=scheme_id)


@blp.route("/schemes/<string:scheme_id>/versions/<int:version>")
class SchemeVersionItem(MethodView):
    @blp.response(200, VersionSchema)
    @require_roles(*CENTRE)
    def get(self, scheme_id: str, version: int) -> Any:
        """One version in full: its text as written and its canonical JSON."""
        return use_cases.get_version(context(), scheme_id=scheme_id, version=version)


@blp.route("/schemes/<string:scheme_id>/validate")
class SchemeValidate(MethodView):
    @blp.arguments(ValidateRequestSchema)
    @blp.response(200, ValidationSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any], scheme_id: str) -> Validation:
        """Every problem of the latest version (or ``version``, or a ``text`` not saved yet),
        each with its path; ``valid`` when there is none. Always 200: the list is the answer."""
        return use_cases.validate_scheme(
            context(), scheme_id=scheme_id, version=body.get("version"), text=body.get("text")
        )


@blp.route("/schemes/<string:scheme_id>/publish")
class SchemePublish(MethodView):
    @blp.response(200, VersionSchema)
    @blp.alt_response(409, description="no draft to publish")
    @blp.alt_response(422, description="the draft is invalid: every problem, under `text.`")
    @require_roles(*CENTRE)
    def post(self, scheme_id: str) -> Any:
        """Publish the draft (发布): it becomes immutable; publishes `scheme.published`."""
        return use_cases.publish_scheme(context(), scheme_id=scheme_id)
