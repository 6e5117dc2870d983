"""Scheme (考核方案) request and response schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.scoring.domain.schemes import SCHEME_ID_RULE, TEXT_MAX
from shared.http import BaseSchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=64)


def _scheme_text(description: str, *, required: bool) -> MultilineString:
    return MultilineString(
        required=required,
        validate=validate.Length(min=1, max=TEXT_MAX),
        metadata={"description": description},
    )


class TemplateSchema(BaseSchema):
    name = fields.String(required=True, metadata={"description": "模板 / template name"})
    scheme_id = fields.String(required=True)
    title = fields.Method("_title", required=True)
    subject = fields.String(required=True, metadata={"description": "division, grid or worker"})
    period_kind = fields.String(required=True)

    def _title(self, template: Any) -> dict[str, str]:
        return {"zh": template.name_zh, "en": template.name_en}


class TemplateDetailSchema(TemplateSchema):
    text = fields.String(required=True, metadata={"description": "the template's YAML"})


class SchemeCreateSchema(BaseSchema):
    id = fields.String(
        validate=_ID,
        metadata={
            "description": f"方案编号 / scheme id ({SCHEME_ID_RULE}); default: the document's"
        },
    )
    template = fields.String(
        validate=_ID,
        metadata={"description": "从模板创建 / a template name (GET /scheme-templates)"},
    )
    text = _scheme_text("方案全文 / the whole scheme as YAML or JSON text", required=False)
    document = fields.Dict(
        keys=fields.String(), metadata={"description": "the whole scheme as a JSON object"}
    )


class DraftSchema(BaseSchema):
    text = _scheme_text("方案全文 / the draft's whole text (YAML or JSON)", required=True)


class ValidateRequestSchema(BaseSchema):
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "the version to check (default: the latest)"},
    )
    text = _scheme_text("a text to check as that version would store it", required=False)


class SchemeProblemSchema(BaseSchema):
    path = fields.String(required=True, metadata={"description": "indicators[3].rule.per_point"})
    reason = fields.String(required=True)


class ValidationSchema(BaseSchema):
    scheme_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    valid = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(SchemeProblemSchema), required=True)


def _title(item: Any) -> dict[str, str | None]:
    return {"zh": item.name_zh, "en": item.name_en}


class VersionSummarySchema(BaseSchema):
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "draft or published"})
    title = fields.Function(_title, required=True)
    origin = fields.String(
        required=True, metadata={"description": "template:<name>, document or version:<n>"}
    )
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)


class VersionSchema(VersionSummarySchema):
    scheme_id = fields.String(required=True)
    subject = fields.String(allow_none=True)
    period_kind = fields.String(allow_none=True)
    format = fields.String(required=True, metadata={"description": "yaml or json"})
    text = fields.String(required=True, metadata={"description": "as written (id, version set)"})
    document = fields.String(
        allow_none=True,
        metadata={"description": "canonical JSON (null when the text is not a mapping)"},
    )
    digest = fields.String(allow_none=True, metadata={"description": "SHA-256 of document"})
    updated_by = fields.String(required=True)


class SchemeSummarySchema(BaseSchema):
    scheme_id = fields.String(required=True)
    title = fields.Function(_title, required=True)
    subject = fields.String(allow_none=True)
    period_kind = fields.String(allow_none=True)
    latest_version = fields.Integer(required=True)
    latest_status = fields.String(required=True)
    published_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class SchemeDetailSchema(BaseSchema):
    summary = fields.Nested(SchemeSummarySchema, required=True)
    versions = fields.List(fields.Nested(VersionSummarySchema), required=True)
    latest = fields.Nested(VersionSchema, required=True)
