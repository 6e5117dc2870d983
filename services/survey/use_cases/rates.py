"""Satisfaction-rate use cases: the table for a period, the counts behind one cell, the
tenant's default definition, and publishing (`rates.published`).

Rates are computed when asked, from the facts the other aggregates own: approved responses
(`ctx.responses.rated_answers`, per campaign period label and source) and kept 12345 callbacks
(`ctx.callbacks.rated_answers`, by the callback's day within the period). The table is always
computed and suppressed over the whole tenant; a grid role is then shown only the rows of the
grids he serves in the period and his own worker row, so what he sees is a subset of what the
centre sees, hidden cells included.

Suppression holds within one period's table, across its scopes and any definition (each
source's cells are hidden by that source's answers alone, so two definitions hide the same
cells). Survey answers belong to exactly one period label; 12345 callbacks count by their day,
so they are rated by standard periods only (a month and its quarter are computed each on its
own).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.survey.domain import rates as domain
from services.survey.domain.campaigns import parse_campaign_period
from services.survey.domain.rates import (
    Explanation,
    Publication,
    RatedAnswer,
    RateDefinition,
    RateRow,
    RateSettings,
    RateTable,
    Scope,
    Source,
)
from services.survey.use_cases.context import SurveyContext
from shared.auth.principal import Role
from shared.errors import InvalidInput, PermissionDenied
from shared.periods import Period

# Who reads every row of the tenant; the other rate readers (grid roles) read their own.
TENANT_READERS = frozenset({Role.TENANT_ADMIN.value, Role.CENTER_STAFF.value, Role.INSPECTOR.value})


@dataclass(frozen=True)
class RatesView:
    """The rows a reader may see of a period's table, and how they were computed."""

    period: Period
    definition: RateDefinition
    minimum: int
    rows: tuple[RateRow, ...]
    narrowed: bool


@dataclass(frozen=True)
class CellExplanation:
    period: Period
    definition: RateDefinition
    minimum: int
    scope: Scope
    subject_id: str
    explanation: Explanation


def _answers(ctx: SurveyContext, period: Period, definition: RateDefinition) -> list[RatedAnswer]:
    found: list[RatedAnswer] = []
    for source in definition.sources:
        if source is Source.HOTLINE:
            found.extend(ctx.callbacks.rated_answers(period, definition.basic_credit))
        else:
            found.extend(ctx.responses.rated_answers(period.label, source))
    return found


def _computed(
    ctx: SurveyContext,
    period_kind: str,
    period: str,
    sources: str | None,
    basic_credit: object | None,
) -> tuple[Period, RateTable, list[RatedAnswer]]:
    parsed = parse_campaign_period(period_kind, period)
    settings = ctx.rate_settings.current()
    definition = domain.definition_of(sources, basic_credit, settings.definition)
    if Source.HOTLINE in definition.weights and parsed.kind == "custom":
        # Callbacks count by their day: two custom periods a day apart would give one day's
        # callbacks by subtraction. Survey answers count by their campaign's period instead.
        raise InvalidInput.of(
            "period_kind", "12345 callbacks are rated by month, quarter, half or year"
        )
    answers = _answers(ctx, parsed, definition)
    table = domain.compute_rates(
        answers, definition, tenant_id=ctx.tenant_id, minimum=settings.minimum
    )
    return parsed, table, answers


def _reads_tenant(ctx: SurveyContext) -> bool:
    return not TENANT_READERS.isdisjoint(ctx.roles)


def _own_grids(ctx: SurveyContext, period: Period) -> frozenset[str]:
    """The grids whose team had the reader on any day of the period."""
    return frozenset(
        membership.grid_id
        for membership in ctx.registry.memberships.of_user(ctx.actor)
        if membership.starts_on <= period.end
        and (membership.ends_on is None or membership.ends_on >= period.start)
    )


def rate_table(
    ctx: SurveyContext,
    *,
    period_kind: str,
    period: str,
    scope: str | None = None,
    sources: str | None = None,
    basic_credit: object | None = None,
) -> RatesView:
    """The period's rows (of one scope, or all) under the asked definition (the tenant's
    default for what is not asked); a grid role's own rows only."""
    parsed, table, _ = _computed(ctx, period_kind, period, sources, basic_credit)
    rows = table.rows
    narrowed = not _reads_tenant(ctx)
    if narrowed:
        rows = domain.narrowed(rows, grid_ids=_own_grids(ctx, parsed), worker_id=ctx.actor)
    if scope is not None:
        rows = tuple(row for row in rows if row.scope.value == scope)
    return RatesView(
        period=parsed,
        definition=table.definition,
        minimum=table.minimum,
        rows=rows,
        narrowed=narrowed,
    )


def _cell(
    grid_id: str | None, worker_id: str | None, division_id: str | None, tenant_id: str
) -> tuple[Scope, str]:
    named = [
        (Scope.GRID, grid_id),
        (Scope.WORKER, worker_id),
        (Scope.DIVISION, division_id),
    ]
    given = [(scope, subject) for scope, subject in named if subject is not None]
    if len(given) > 1:
        raise InvalidInput.of("grid_id", "name one of grid_id, worker_id, division_id (or none)")
    return given[0] if given else (Scope.TENANT, tenant_id)


def explain_rate(
    ctx: SurveyContext,
    *,
    period_kind: str,
    period: str,
    grid_id: str | None = None,
    worker_id: str | None = None,
    division_id: str | None = None,
    sources: str | None = None,
    basic_credit: object | None = None,
) -> CellExplanation:
    """The counts behind one cell (the tenant without a subject): answers per source and
    credit, the weights. A suppressed cell explains nothing; a grid role asks only about his
    own grids and himself (403 otherwise)."""
    scope, subject = _cell(grid_id, worker_id, division_id, ctx.tenant_id)
    parsed, table, answers = _computed(ctx, period_kind, period, sources, basic_credit)
    if not _reads_tenant(ctx):
        allowed = (scope is Scope.GRID and subject in _own_grids(ctx, parsed)) or (
            scope is Scope.WORKER and subject == ctx.actor
        )
        if not allowed:
            raise PermissionDenied("a grid role reads the rates of his own grids and his own")
    return CellExplanation(
        period=parsed,
        definition=table.definition,
        minimum=table.minimum,
        scope=scope,
        subject_id=subject,
        explanation=domain.explain(table, answers, scope, subject),
    )


def publish_rates(
    ctx: SurveyContext,
    *,
    period_kind: str,
    period: str,
    sources: str | None = None,
    basic_credit: object | None = None,
) -> Publication:
    """Publish the tenant's whole table for the period under the definition (the next edition
    when published before): `rates.published` per scope, which scoring and the district
    average consume."""
    parsed, table, _ = _computed(ctx, period_kind, period, sources, basic_credit)
    previous = ctx.publications.find(domain.publication_id(parsed, table.definition))
    publication, events = domain.publish(
        previous, period=parsed, table=table, actor=ctx.actor, now=ctx.now()
    )
    return ctx.publications.store(publication, events)


def list_publications(ctx: SurveyContext, *, period_kind: str, period: str) -> list[Publication]:
    """The period's publications, one per definition (the latest edition)."""
    parsed = parse_campaign_period(period_kind, period)
    return ctx.publications.of_period(parsed.kind, parsed.label)


def get_settings(ctx: SurveyContext) -> RateSettings:
    return ctx.rate_settings.current()


def put_settings(
    ctx: SurveyContext,
    *,
    sources: str | None = None,
    basic_credit: object | None = None,
    min_cell_size: int | None = None,
) -> RateSettings:
    """Change the default definition and the minimum cell size (422 naming the field)."""
    changed = domain.change_settings(
        ctx.rate_settings.current(),
        sources=sources,
        basic_credit=basic_credit,
        minimum=min_cell_size,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.rate_settings.store(changed)
