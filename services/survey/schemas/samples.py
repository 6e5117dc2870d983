"""Sample schemas (样本): the draw, the list of respondents, an outcome."""

from __future__ import annotations

from marshmallow import fields, validate

from services.survey.domain.sampling import LISTED_STATUS_VALUES, OUTCOME_VALUES
from services.survey.schemas.campaigns import CampaignSchema
from shared.http import BaseSchema, FilteredPageQuerySchema


class GridCountSchema(BaseSchema):
    grid_id = fields.String(required=True)
    frame = fields.Integer(required=True)
    drawn = fields.Integer(required=True)
    reserve = fields.Integer(required=True)


class DrawnSchema(BaseSchema):
    campaign = fields.Nested(CampaignSchema, required=True)
    grids = fields.List(fields.Nested(GridCountSchema), required=True)


class SamplePageQuerySchema(FilteredPageQuerySchema):
    status = fields.String(validate=validate.OneOf(LISTED_STATUS_VALUES))
    grid_id = fields.String(validate=validate.Length(min=1, max=64))


class SampleRowSchema(BaseSchema):
    """One respondent: code, grid, status and (while pending) the one-time link. Never a
    household, phone number or address."""

    code = fields.String(required=True, metadata={"description": "样本编号, e.g. G03-007"})
    grid_id = fields.String(required=True)
    grid_code = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": ", ".join(LISTED_STATUS_VALUES)})
    outcome = fields.String(allow_none=True, metadata={"description": "refused, unreachable"})
    replaced_by = fields.String(allow_none=True, metadata={"description": "the replacement"})
    replaces = fields.String(allow_none=True, metadata={"description": "whom it replaces"})
    link = fields.String(allow_none=True, metadata={"description": "答卷链接 while pending"})
    event_id = fields.String(
        allow_none=True, metadata={"description": "the closed event (event callbacks)"}
    )


class OutcomeSchema(BaseSchema):
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(OUTCOME_VALUES),
        metadata={"description": "refused 拒访, unreachable 无法联系"},
    )


class OutcomeResultSchema(BaseSchema):
    respondent = fields.Nested(SampleRowSchema, required=True)
    replacement = fields.Nested(SampleRowSchema, required=True)
