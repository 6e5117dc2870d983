"""The facts bridge: a scheme's facts for one period, from the ledger, the registry read model
and the manual inputs, with the trace behind every value (`domain.bridge` has the rules).

`facts_for(ctx, scheme, period)` reads only what the scheme's mappings name: the period's
month buckets of those metrics (a few equality reads answered by PostgreSQL), the registry's
grids and memberships (with their history: attribution is as of each fact's day) and the
period's manual inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from services.scoring.domain import adjustments
from services.scoring.domain.bridge import (
    SHARED,
    FactsWithTrace,
    ManualValue,
    Registry,
    build,
    manual_trace,
    metrics_read,
    months_of,
)
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.domain.manual import CALENDAR_INPUTS, calendar_decisions
from services.scoring.domain.scheme import Scheme
from services.scoring.repository.adjustments import FactAdjustmentRepository
from services.scoring.use_cases.context import ScoringContext
from shared.errors import FieldProblem, InvalidInput
from shared.periods import Period

# A division's registration and its renames: what names it on a period's sheets.
DIVISION_METRICS = ("registry.divisions", "registry.division_names")


def facts_for(ctx: ScoringContext, scheme: Scheme, period: Period) -> FactsWithTrace:
    """The facts `engine.evaluate` takes for `scheme` over `period`, and their trace."""
    if period.kind != scheme.period:
        raise InvalidInput(
            [
                FieldProblem(
                    "period",
                    f"is a {period.kind}, but scheme {scheme.id} assesses each {scheme.period}",
                )
            ]
        )
    flows, _ = metrics_read(scheme)
    entries = ctx.ledger.period_entries(months_of(period), flows)
    divisions = division_entries(ctx) if scheme.subject == "division" else []
    history = ctx.registry_history
    registry = Registry(history.grids(), history.memberships())
    manual = [
        ManualValue(
            input_id=found.input_id,
            subject_id=found.subject_id,
            value=found.value,
            record_id=found.manual_input_id,
            version=found.revision,
            evidence=found.evidence,
            refs=found.refs,
        )
        for found in ctx.manual_inputs.all_of_period(period.label)
    ]
    built = build(
        scheme, period, entries=entries, registry=registry, divisions=divisions, manual=manual
    )
    # Accepted appeals' corrections of ledger-fed inputs replace the bridge's values.
    adjusted = ctx.repository(FactAdjustmentRepository).of_period(scheme.id, period.label)
    return adjustments.apply(with_calendar(built, manual), adjusted)


def division_entries(ctx: ScoringContext) -> list[LedgerEntry]:
    """The tenant's divisions as registered and renamed, whatever the month (a small read)."""
    return [entry for metric in DIVISION_METRICS for entry in ctx.ledger.of_metric(metric)]


def with_calendar(built: FactsWithTrace, manual: Sequence[ManualValue]) -> FactsWithTrace:
    """The facts with the tenant's own calendar for the period (its calendar inputs, entered
    like manual inputs), each decision traced to its manual input under the shared subject."""
    calendar = {
        m.input_id: m for m in manual if m.input_id in CALENDAR_INPUTS and m.subject_id is None
    }
    if not calendar:
        return built
    decided = calendar_decisions({input_id: m.value for input_id, m in calendar.items()})
    trace = dict(built.trace)
    for input_id, found in calendar.items():
        trace[(SHARED, input_id)] = manual_trace(found)
    return dataclasses.replace(
        built, facts=dataclasses.replace(built.facts, calendar=decided), trace=trace
    )
