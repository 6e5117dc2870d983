"""Questionnaire request and response schemas (问卷).

Shapes are checked here (types, lengths, known kinds); the questionnaire's rules (a credit for
every option, one satisfaction question, unique keys...) are the domain's, which names the
same paths (``questions[2].options[0].key``, ``satisfaction.credits.satisfied``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.survey.domain.questionnaires import (
    DESCRIPTION_MAX,
    KEY_MAX,
    KIND_VALUES,
    LABEL_MAX,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    NAME_MAX,
    PRESET_VALUES,
    STATUS_VALUES,
    Question,
    Questionnaire,
    QuestionnaireVersion,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_KEY = validate.Length(min=1, max=KEY_MAX)


class OptionInSchema(BaseSchema):
    key = fields.String(required=True, validate=_KEY, metadata={"description": "选项代码"})
    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=LABEL_MAX),
        metadata={"description": "选项"},
    )


class QuestionInSchema(BaseSchema):
    key = fields.String(required=True, validate=_KEY, metadata={"description": "题目代码"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KIND_VALUES),
        metadata={"description": "single 单选, multiple 多选, rating 评分, text 文字"},
    )
    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=LABEL_MAX),
        metadata={"description": "题目"},
    )
    required = fields.Boolean(load_default=True, metadata={"description": "必答 (default true)"})
    options = fields.List(
        fields.Nested(OptionInSchema),
        validate=validate.Length(max=MAX_OPTIONS),
        metadata={"description": "single / multiple; the satisfaction question on a preset: none"},
    )
    scale_max = fields.Integer(metadata={"description": "rating: 1..scale_max (2-10, default 5)"})
    max_length = fields.Integer(metadata={"description": "text: at most (default 500)"})


class SatisfactionInSchema(BaseSchema):
    question_key = fields.String(
        required=True,
        validate=_KEY,
        metadata={"description": "满意度题 (a single-choice question)"},
    )
    preset = fields.String(
        validate=validate.OneOf(PRESET_VALUES),
        metadata={
            "description": "three_level 满意/基本满意/不满意, five_point 非常满意…非常不满意"
        },
    )
    basic_credit = fields.Decimal(
        metadata={"description": "with a preset: what 基本满意 (一般) counts: 1, 0.5 or 0"}
    )
    credits = fields.Dict(
        keys=fields.String(validate=_KEY),
        values=fields.Raw(),
        metadata={"description": "without a preset: option key -> credit 0..1 (e.g. '0.5')"},
    )


class QuestionnaireInSchema(BaseSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"description": "问卷名称"},
    )
    description = MultilineString(
        validate=validate.Length(max=DESCRIPTION_MAX), metadata={"description": "说明"}
    )
    questions = fields.List(
        fields.Nested(QuestionInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_QUESTIONS),
    )
    satisfaction = fields.Nested(SatisfactionInSchema, required=True)


class QuestionnaireQuerySchema(FilteredPageQuerySchema):
    status = fields.String(
        validate=validate.OneOf(STATUS_VALUES), metadata={"description": "the working version's"}
    )


# -- responses ----------------------------------------------------------------------------------


class OptionSchema(BaseSchema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    credit = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": "what it counts (satisfaction question only)"},
    )


class QuestionSchema(BaseSchema):
    key = fields.String(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    required = fields.Boolean(required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    scale_max = fields.Integer(allow_none=True)
    max_length = fields.Integer(allow_none=True)
    satisfaction = fields.Boolean(
        required=True, metadata={"description": "the satisfaction question"}
    )


class VersionSchema(BaseSchema):
    questionnaire_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "draft or published"})
    name = fields.String(required=True)
    description = fields.String(required=True)
    questions = fields.Method("_questions", required=True)
    satisfaction_question = fields.String(required=True, attribute="satisfaction_key")
    preset = fields.Method("_preset", allow_none=True)
    basic_credit = fields.Decimal(as_string=True, allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)

    def _questions(self, version: QuestionnaireVersion) -> list[dict[str, Any]]:
        return [_question(version, question) for question in version.questions]

    def _preset(self, version: QuestionnaireVersion) -> str | None:
        return None if version.preset is None else version.preset.value


def _question(version: QuestionnaireVersion, question: Question) -> dict[str, Any]:
    is_satisfaction = question.key == version.satisfaction_key
    dumped: dict[str, Any] = QuestionSchema().dump(
        {
            "key": question.key,
            "kind": question.kind.value,
            "label": question.label,
            "required": question.required,
            "options": [
                {
                    "key": option.key,
                    "label": option.label,
                    "credit": version.credit_of(option.key) if is_satisfaction else None,
                }
                for option in question.options
            ],
            "scale_max": question.scale_max,
            "max_length": question.max_length,
            "satisfaction": is_satisfaction,
        }
    )
    return dumped


class QuestionnaireSummarySchema(BaseSchema):
    questionnaire_id = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Method("_version", required=True, metadata={"description": "working version"})
    status = fields.Method("_status", required=True, metadata={"description": "its status"})
    published_versions = fields.List(fields.Integer(), required=True)
    latest_published = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)

    def _version(self, questionnaire: Questionnaire) -> int:
        return questionnaire.current.version

    def _status(self, questionnaire: Questionnaire) -> str:
        return questionnaire.current.status.value


class QuestionnaireSchema(QuestionnaireSummarySchema):
    current = fields.Nested(VersionSchema, required=True, metadata={"description": "工作版本"})
