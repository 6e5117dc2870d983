"""Payroll (工资/补贴发放表) query and response schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.scoring.domain.numbers import money
from services.scoring.domain.payroll import Payroll
from shared.http import BaseSchema

FORMATS = ("json", "xlsx", "csv")


class PayrollQuerySchema(BaseSchema):
    period = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "发放期 / the scheme's own period (2026-11), or a quarter of a "
            "monthly scheme (2026-Q4: its three months side by side)"
        },
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (default), xlsx (Excel) or csv (UTF-8 with BOM)"},
    )


def sheet_link(payroll: Payroll, period: str, edition: int, subject_id: str) -> str:
    """The score sheet an amount comes from (its money line explains it)."""
    return (
        f"/schemes/{payroll.scheme_id}/evaluations/{period}/sheets/{subject_id}?edition={edition}"
    )


def payroll_dict(payroll: Payroll) -> dict[str, Any]:
    """The payroll as the console reads it: every amount with the sheet line it came from."""
    rules = [r.rule_id for r in payroll.rules]
    return {
        "rows": [
            {
                "subject_id": row.subject_id,
                "subject_name": row.subject_name,
                "amounts": [
                    {
                        "rule_id": a.rule_id,
                        "period": a.period,
                        "edition": a.edition,
                        "amount": money(a.amount),
                        "forfeited": a.forfeited,
                        "sheet": sheet_link(payroll, a.period, a.edition, row.subject_id),
                    }
                    for a in row.amounts
                ],
                "by_rule": {rule: money(row.of(rule)) for rule in rules if row.has(rule)},
                "by_period": {p: money(row.period_total(p)) for p in payroll.periods},
                "total": money(row.total),
                "absent": list(row.absent),
                "incomplete": list(row.incomplete),
            }
            for row in payroll.rows
        ],
        "totals": {
            "by_rule": {rule: money(payroll.rule_total(rule)) for rule in rules},
            "by_period": {p: money(payroll.period_total(p)) for p in payroll.periods},
            "total": money(payroll.total),
        },
    }


class EditionSchema(BaseSchema):
    period = fields.String(required=True)
    edition = fields.Integer(required=True)
    scheme_version = fields.Integer(required=True)
    evaluated_at = fields.DateTime(required=True)


class RuleNameSchema(BaseSchema):
    rule_id = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class PayrollSchema(BaseSchema):
    scheme_id = fields.String(required=True)
    scheme_name = fields.String(required=True)
    scheme_versions = fields.List(fields.Integer(), required=True)
    subject_kind = fields.String(required=True)
    period = fields.Function(lambda p: p.period.label, required=True)
    period_kind = fields.Function(lambda p: p.period.kind, required=True)
    first_day = fields.Function(lambda p: p.period.start.isoformat())
    last_day = fields.Function(lambda p: p.period.end.isoformat())
    editions = fields.List(
        fields.Nested(EditionSchema),
        required=True,
        metadata={"description": "the published editions it is made from, oldest first"},
    )
    rules = fields.List(fields.Nested(RuleNameSchema), required=True)
    rows = fields.Function(
        lambda p: payroll_dict(p)["rows"],
        metadata={
            "description": "one per subject: every amount with its rule, period, edition and "
            "the sheet that explains it; sums by rule and by period; total"
        },
    )
    totals = fields.Function(lambda p: payroll_dict(p)["totals"])
    generated_at = fields.DateTime(required=True)
