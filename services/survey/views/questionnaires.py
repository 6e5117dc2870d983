"""问卷 (questionnaires): create, edit the draft, start a version, publish, read. Centre only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.domain.questionnaires import Questionnaire, QuestionnaireVersion
from services.survey.schemas.questionnaires import (
    QuestionnaireInSchema,
    QuestionnaireQuerySchema,
    QuestionnaireSchema,
    QuestionnaireSummarySchema,
    VersionSchema,
)
from services.survey.use_cases import questionnaires as use_cases
from services.survey.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("questionnaires", __name__, description="问卷 (questionnaires, versioned)")


@blp.route("/questionnaires")
class Questionnaires(MethodView):
    @blp.arguments(QuestionnaireQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(QuestionnaireSummarySchema))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest, **filters: Any) -> PageResponse[Questionnaire]:
        """The tenant's questionnaires, latest changed first (filter: status of the working
        version)."""
        found = use_cases.list_questionnaires(
            context(), offset=paging.offset, limit=paging.limit, **filters
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(QuestionnaireInSchema)
    @blp.response(201, QuestionnaireSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> Questionnaire:
        """Create a questionnaire; version 1 is a draft. The satisfaction question takes a
        preset (three_level / five_point) with the basic credit (1, 0.5 or 0), or a credit
        for each of its options."""
        return use_cases.create_questionnaire(context(), **body)


@blp.route("/questionnaires/<string:questionnaire_id>")
class QuestionnaireItem(MethodView):
    @blp.response(200, QuestionnaireSchema)
    @require_roles(*CENTRE)
    def get(self, questionnaire_id: str) -> Questionnaire:
        """One questionnaire with its working version."""
        return use_cases.get_questionnaire(context(), questionnaire_id=questionnaire_id)


@blp.route("/questionnaires/<string:questionnaire_id>/draft")
class QuestionnaireDraft(MethodView):
    @blp.arguments(QuestionnaireInSchema)
    @blp.response(200, QuestionnaireSchema)
    @blp.alt_response(409, description="the working version is published: start a new version")
    @require_roles(*CENTRE)
    def put(self, body: dict[str, Any], questionnaire_id: str) -> Questionnaire:
        """Replace the draft's content."""
        return use_cases.edit_draft(context(), questionnaire_id=questionnaire_id, **body)


@blp.route("/questionnaires/<string:questionnaire_id>/versions")
class QuestionnaireVersions(MethodView):
    @blp.response(201, QuestionnaireSchema)
    @blp.alt_response(409, description="a draft is open: edit it")
    @require_roles(*CENTRE)
    def post(self, questionnaire_id: str) -> Questionnaire:
        """Start the next version as a draft copied from the latest published one."""
        return use_cases.start_version(context(), questionnaire_id=questionnaire_id)


@blp.route("/questionnaires/<string:questionnaire_id>/versions/<int:version>")
class QuestionnaireVersionItem(MethodView):
    @blp.response(200, VersionSchema)
    @require_roles(*CENTRE)
    def get(self, questionnaire_id: str, version: int) -> QuestionnaireVersion:
        """One version: a published one as it was published, or the open draft."""
        return use_cases.get_version(context(), questionnaire_id=questionnaire_id, version=version)


@blp.route("/questionnaires/<string:questionnaire_id>/publish")
class QuestionnairePublish(MethodView):
    @blp.response(200, QuestionnaireSchema)
    @blp.alt_response(409, description="published already")
    @require_roles(*CENTRE)
    def post(self, questionnaire_id: str) -> Questionnaire:
        """Publish the draft: it never changes again; publishes `questionnaire.published`."""
        return use_cases.publish_questionnaire(context(), questionnaire_id=questionnaire_id)
