"""Questionnaire use cases (问卷): create, edit the draft, start a new version, publish, read.

Only the centre works on questionnaires (the views check the role); another tenant's
questionnaire is a 404 like a made-up id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from services.survey.domain import questionnaires as domain
from services.survey.domain.questionnaires import (
    Questionnaire,
    QuestionnaireVersion,
    SatisfactionSpec,
    VersionSpec,
)
from services.survey.use_cases.context import SurveyContext
from shared.errors import NotFound
from shared.mongo import Page


def _spec(
    *,
    name: str,
    description: str | None,
    questions: Sequence[Mapping[str, Any]],
    satisfaction: Mapping[str, Any],
) -> VersionSpec:
    basic = satisfaction.get("basic_credit")
    return VersionSpec(
        name=name,
        description=description or "",
        questions=questions,
        satisfaction=SatisfactionSpec(
            question_key=satisfaction["question_key"],
            preset=satisfaction.get("preset"),
            basic_credit=None if basic is None else Decimal(basic),
            credits=satisfaction.get("credits"),
        ),
    )


def _require(ctx: SurveyContext, questionnaire_id: str) -> Questionnaire:
    found = ctx.questionnaires.find(questionnaire_id)
    if found is None:
        raise NotFound(f"questionnaire {questionnaire_id} not found")
    return found


def create_questionnaire(
    ctx: SurveyContext,
    *,
    name: str,
    questions: Sequence[Mapping[str, Any]],
    satisfaction: Mapping[str, Any],
    description: str | None = None,
) -> Questionnaire:
    """A new questionnaire; version 1 is a draft (422 naming every bad field)."""
    questionnaire = domain.create_questionnaire(
        questionnaire_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        spec=_spec(
            name=name, description=description, questions=questions, satisfaction=satisfaction
        ),
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.questionnaires.add_questionnaire(questionnaire)


def edit_draft(
    ctx: SurveyContext,
    *,
    questionnaire_id: str,
    name: str,
    questions: Sequence[Mapping[str, Any]],
    satisfaction: Mapping[str, Any],
    description: str | None = None,
) -> Questionnaire:
    """Replace the draft's content; 409 when the working version is published."""
    edited = domain.edit_draft(
        _require(ctx, questionnaire_id),
        spec=_spec(
            name=name, description=description, questions=questions, satisfaction=satisfaction
        ),
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.questionnaires.save_questionnaire(edited)


def start_version(ctx: SurveyContext, *, questionnaire_id: str) -> Questionnaire:
    """A new draft copied from the latest published version; 409 while a draft is open."""
    started = domain.start_version(_require(ctx, questionnaire_id), actor=ctx.actor, now=ctx.now())
    return ctx.questionnaires.save_questionnaire(started)


def publish_questionnaire(ctx: SurveyContext, *, questionnaire_id: str) -> Questionnaire:
    """Publish the draft (`questionnaire.published`); 409 when it is published already."""
    published, event = domain.publish(
        _require(ctx, questionnaire_id), actor=ctx.actor, now=ctx.now()
    )
    return ctx.questionnaires.save_questionnaire(published, [event])


def get_questionnaire(ctx: SurveyContext, *, questionnaire_id: str) -> Questionnaire:
    return _require(ctx, questionnaire_id)


def get_version(ctx: SurveyContext, *, questionnaire_id: str, version: int) -> QuestionnaireVersion:
    """A published version, or the working draft when it is that version; 404 otherwise."""
    found = ctx.questionnaires.version_of(questionnaire_id, version)
    if found is None:
        raise NotFound(f"questionnaire {questionnaire_id} has no version {version}")
    return found


def list_questionnaires(
    ctx: SurveyContext, *, offset: int, limit: int, status: str | None = None
) -> Page[Questionnaire]:
    """One page of the tenant's questionnaires, latest changed first."""
    return ctx.questionnaires.list_questionnaires(offset=offset, limit=limit, status=status)
