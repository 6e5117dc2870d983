"""Questionnaire documents: the working copy of each questionnaire, and one frozen document
per published version.

`QuestionnaireDocument` holds the working version (a draft, or the latest published one) and
the questionnaire's outbox; `QuestionnaireVersionDocument` is written once when a version is
published (its `_id` is ``<questionnaire_id>:<version>``, so a version is published once) and
never updated: campaigns read a version by that id. Questions and options are two flat lists
of embedded documents (options name their question), never a list inside a list.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.questionnaires import (
    DESCRIPTION_MAX,
    ID_MAX,
    KEY_MAX,
    KIND_VALUES,
    LABEL_MAX,
    MAX_QUESTIONS,
    NAME_MAX,
    PRESET_VALUES,
    STATUS_VALUES,
)
from shared.mongo import TenantDocument

# Every option of every question, flat: at most MAX_OPTIONS per question.
MAX_OPTION_ROWS = MAX_QUESTIONS * 20


class QuestionEntry(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    key = me.StringField(required=True, max_length=KEY_MAX)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    label = me.StringField(required=True, max_length=LABEL_MAX)
    required = me.BooleanField(required=True)
    scale_max = me.IntField()
    max_length = me.IntField()


class OptionEntry(me.EmbeddedDocument):  # type: ignore[misc]
    """One option of one question; ``credit`` (Decimal as text) only on the satisfaction
    question's options."""

    question = me.StringField(required=True, max_length=KEY_MAX)
    key = me.StringField(required=True, max_length=KEY_MAX)
    label = me.StringField(required=True, max_length=LABEL_MAX)
    credit = me.StringField(max_length=8)


class _VersionContent:
    """The fields a version's content is stored in (both documents carry them)."""

    questionnaire_id = me.StringField(required=True, max_length=ID_MAX)
    version = me.IntField(required=True, min_value=1)
    name = me.StringField(required=True, max_length=NAME_MAX)
    description = me.StringField(max_length=DESCRIPTION_MAX, default="")
    questions = me.EmbeddedDocumentListField(QuestionEntry, max_length=MAX_QUESTIONS)
    options = me.EmbeddedDocumentListField(OptionEntry, max_length=MAX_OPTION_ROWS)
    satisfaction_key = me.StringField(required=True, max_length=KEY_MAX)
    preset = me.StringField(choices=PRESET_VALUES)
    basic_credit = me.StringField(max_length=8)
    status = me.StringField(required=True, choices=STATUS_VALUES)
    published_at = me.DateTimeField()
    published_by = me.StringField(max_length=ID_MAX)


class QuestionnaireDocument(_VersionContent, TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_questionnaires",
        "indexes": [("tenant_id", "status")],
    }

    doc_id = me.StringField(primary_key=True)  # = questionnaire_id
    published_versions = me.ListField(me.IntField(min_value=1), default=list)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=ID_MAX)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=ID_MAX)


class QuestionnaireVersionDocument(_VersionContent, TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "survey_questionnaire_versions",
        "indexes": [("tenant_id", "questionnaire_id")],
    }

    doc_id = me.StringField(primary_key=True)  # <questionnaire_id>:<version>
