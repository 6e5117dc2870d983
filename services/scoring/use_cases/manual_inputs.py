"""Manual inputs (人工录入指标): centre staff enter, list and correct the values of scheme inputs
no service records, each with evidence; every revision is published and audited.

A manual input's id is derived from its tenant, period, input and subject, so entering the same
one twice is a conflict (correct it instead), however the requests interleave. Values are
checked against the input's type when one of the scheme templates declares it as a manual
input (a tenant's own input of another name takes any value shape; the engine checks it
against the scheme when evaluating), and an input the templates only fill from the ledger
cannot be entered by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from functools import cache

from services.scoring.domain import manual as domain
from services.scoring.domain.manual import ManualInput
from services.scoring.domain.scheme import InputDef
from services.scoring.domain.workdays import period_of_label
from services.scoring.templates import load_template, names
from services.scoring.use_cases.context import ScoringContext
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound
from shared.mongo import Page
from shared.periods import Period

_ID_NAMESPACE = uuid.UUID("5d2f8e61-3a4b-4c7d-9e0f-1a2b3c4d5e6f")


@cache
def template_manual_inputs() -> Mapping[str, InputDef]:
    """The inputs the scheme templates declare, by id: the first manual declaration, else the
    first platform one (an input every template fills from the ledger is not entered by
    hand), and the tenant's calendar inputs (`domain.CALENDAR_INPUTS`)."""
    manual: dict[str, InputDef] = {}
    platform: dict[str, InputDef] = {}
    for name in names():
        for item in load_template(name).inputs:
            (manual if item.source == "manual" else platform).setdefault(item.id, item)
    # The tenant's calendar for a period: reserved shared inputs of every scheme.
    return {**platform, **manual, **domain.CALENDAR_INPUTS}


def parse_label(label: str, field: str = "period") -> Period:
    """A period from its canonical label; 422 naming `field` when it names none."""
    found = period_of_label(label.strip())
    if found is None or found.label != label.strip():
        raise InvalidInput(
            [
                FieldProblem(
                    field,
                    "must be a period label: 2024-03, 2024-Q1, 2024-H2, 2024 or "
                    "2024-01-01..2024-06-30",
                )
            ]
        )
    return found


def manual_input_id(tenant_id: str, period: str, input_id: str, subject_id: str | None) -> str:
    key = "\x1f".join((tenant_id, period, input_id, subject_id or "*"))
    return f"mi-{uuid.uuid5(_ID_NAMESPACE, key)}"


def record_manual_input(
    ctx: ScoringContext,
    *,
    input_id: str,
    period: str,
    value: object,
    evidence: str,
    subject_id: str | None = None,
    refs: Sequence[str] = (),
) -> ManualInput:
    """Enter a value with its evidence; 409 when this input, subject and period has one."""
    found_period = parse_label(period)
    record_id = manual_input_id(ctx.tenant_id, found_period.label, input_id, subject_id)
    entered, event = domain.record(
        manual_input_id=record_id,
        input_id=input_id,
        subject_id=subject_id,
        period=found_period,
        value=value,
        evidence=evidence,
        refs=refs,
        actor=ctx.actor,
        now=ctx.now(),
        declared=template_manual_inputs().get(input_id),
    )
    try:
        return ctx.manual_inputs.add_input(entered, event)
    except Conflict:
        raise Conflict(
            f"{input_id} of {subject_id or 'every subject'} in {found_period.label} was entered "
            f"already (manual input {record_id}): correct it instead"
        ) from None


def correct_manual_input(
    ctx: ScoringContext, *, manual_input_id: str, value: object, reason: str
) -> ManualInput:
    """The next revision of a manual input, with its reason; earlier revisions stay."""
    current = get_manual_input(ctx, manual_input_id=manual_input_id)
    corrected, event = domain.correct(
        current,
        period=parse_label(current.period),
        value=value,
        reason=reason,
        actor=ctx.actor,
        now=ctx.now(),
        declared=template_manual_inputs().get(current.input_id),
    )
    return ctx.manual_inputs.save_input(corrected, event, corrected=current.revision)


def get_manual_input(ctx: ScoringContext, *, manual_input_id: str) -> ManualInput:
    found = ctx.manual_inputs.find(manual_input_id)
    if found is None:
        raise NotFound(f"manual input {manual_input_id} not found")
    return found


def list_manual_inputs(
    ctx: ScoringContext,
    *,
    period: str,
    offset: int,
    limit: int,
    subject_id: str | None = None,
    input_id: str | None = None,
) -> Page[ManualInput]:
    """The period's manual inputs, by input then subject."""
    label = parse_label(period).label
    return ctx.manual_inputs.of_period(
        label, offset=offset, limit=limit, subject_id=subject_id, input_id=input_id
    )
