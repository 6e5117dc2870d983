"""考核结果 use cases: evaluate, lock and publish a period; correct it; score sheets with their
facts; the Excel export; provisional scores; simulate a draft; compare two versions.

Every evaluation runs the engine (`domain.engine.evaluate`, the one place points are
computed) on the latest published version of the scheme, over the period's facts as the facts
bridge reads them from the ledger and the manual inputs (`use_cases.facts.facts_for`), with the
scheme's own published history for its streaks (final editions of earlier periods, never
provisional ones or files handed in).

Who reads: the centre every subject's sheet; a grid role only the subjects that are his (a
worker his own sheet; a grid or village those he served in the period): another subject's
sheet is as unknown to him as another tenant's (404).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.scoring.domain import evaluations as domain
from services.scoring.domain.compare import Comparison, compare_evaluations
from services.scoring.domain.engine import evaluate
from services.scoring.domain.evaluations import Computed, Header, Kind, SheetRow
from services.scoring.domain.problems import FactsError, SchemeError
from services.scoring.domain.scheme import Scheme
from services.scoring.domain.schemes import SchemeVersion
from services.scoring.domain.workdays import previous_period
from services.scoring.repository.evaluations import EditionSummary
from services.scoring.repository.schemes import published_across_tenants
from services.scoring.use_cases import schemes
from services.scoring.use_cases.context import ScoringContext
from services.scoring.use_cases.facts import facts_for
from shared.auth.principal import Role
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.periods import Period, parse_period
from shared.registry.model import local_day
from shared.workbooks import Column, write_sheet

log = logging.getLogger(__name__)

CENTRE_ROLES = frozenset({Role.TENANT_ADMIN.value, Role.CENTER_STAFF.value})
# The actor of the provisional job's evaluations.
PROVISIONAL_ACTOR = "scoring:provisional"
# Streak flags look back over at most this many earlier periods when a scheme declares none
# longer (a safety bound on what history is read; the seeds need 1 to 6).
MAX_LOOKBACK = 24


@dataclass(frozen=True)
class EvaluationView:
    """An evaluation as a reader sees it: its header, the rows he may see, its editions."""

    header: Header
    rows: list[SheetRow]
    editions: list[EditionSummary]


@dataclass(frozen=True)
class SheetView:
    """One subject's full score sheet with the facts behind it."""

    header: Header
    row: SheetRow
    sheet: Mapping[str, Any]


@dataclass(frozen=True)
class Export:
    name: str
    data: bytes


# -- evaluate, lock, publish, correct --------------------------------------------------------


def evaluate_period(
    ctx: ScoringContext,
    *,
    scheme_id: str,
    period: str,
    before_end: bool = False,
    accept_incomplete: bool = False,
    accept_gap: bool = False,
) -> Header:
    """Evaluate the period with the latest published version, lock it as edition 1 and
    publish it (`scores.published`). 409 while the period runs (unless ``before_end``: an
    office may close a year in December), when it is published already (correct it), when
    the scheme has no published version, when the period has no subjects, when subjects
    lack facts (unless ``accept_incomplete``: they are then published as not assessable), or
    when the scheme's streaks would read a broken history (`_check_no_gap`)."""
    version, scheme = schemes.latest_published(ctx, scheme_id)
    target = _period(scheme, period)
    now = ctx.now()
    today = local_day(now)
    if target.start > today:
        raise InvalidInput.of("period", f"{target.label} has not started yet")
    if target.end >= today and not before_end:
        raise StateConflict(
            f"period {target.label} runs until {target.end.isoformat()}: its scores are "
            "provisional until then; to lock them earlier, send before_end: true"
        )
    published = ctx.evaluations.editions(scheme.id, target.label)
    if published:
        raise StateConflict(
            f"{target.label} is published (edition {published[-1].edition}); a change is a "
            "correction with its reason"
        )
    if not accept_gap:
        _check_no_gap(ctx, scheme, target)
    computed = _compute(ctx, version, scheme, target, Kind.FINAL, edition=1, reason=None)
    _check_complete(computed.header, accept_incomplete)
    try:
        return ctx.evaluations.add_final(computed, domain.published_events(computed.header))
    except Conflict:
        raise StateConflict(f"{target.label} was evaluated meanwhile") from None


def _check_no_gap(ctx: ScoringContext, scheme: Scheme, target: Period) -> None:
    """409 when the scheme's streaks (interview after three bad months, red card after two) or
    quarter sums (stars on three months of pay) would read a broken history: an earlier
    period is published but the one just before ``target`` is not. Locked out of order, the
    later period's notices would miss the run and stay so until corrected; a period the
    office really skips is locked with ``accept_gap: true``."""
    previous = previous_period(target)
    if not _lookback(scheme) or previous is None:
        return
    finals = [e.period for e in ctx.evaluations.finals(scheme.id) if e.period.kind == scheme.period]
    if any(p.label == previous.label for p in finals):
        return
    if any(p.end < previous.start for p in finals):
        raise StateConflict(
            f"lock {previous.label} first: the scheme reads it (streaks, quarter sums) before "
            f"{target.label} (a period the office skips: send accept_gap: true)"
        )


def correct_period(
    ctx: ScoringContext,
    *,
    scheme_id: str,
    period: str,
    reason: str,
    accept_incomplete: bool = False,
) -> Header:
    """A correction: the period evaluated again over the facts as they stand now, with the
    latest published version, stored and published as the next edition with ``reason``
    (the earlier editions stay). 409 when the period has no published edition yet, and as
    for the first edition when subjects lack facts."""
    version, scheme = schemes.latest_published(ctx, scheme_id)
    target = _period(scheme, period)
    published = ctx.evaluations.editions(scheme.id, target.label)
    if not published:
        raise StateConflict(f"{target.label} has no published results to correct")
    edition = published[-1].edition + 1
    computed = _compute(ctx, version, scheme, target, Kind.FINAL, edition=edition, reason=reason)
    _check_complete(computed.header, accept_incomplete)
    try:
        return ctx.evaluations.add_final(computed, domain.published_events(computed.header))
    except Conflict:
        raise StateConflict(f"edition {edition} of {target.label} was made meanwhile") from None


# How many subjects lacking facts a refusal names (the rows of the result name them all).
_NAMED = 10


def _check_complete(header: Header, accept_incomplete: bool) -> None:
    """Refuse to lock results nobody is assessed in, or (unless accepted) with subjects that
    lack facts: published, they would read as final."""
    if not header.rows:
        raise StateConflict(
            f"{header.period.label} has no {header.subject_kind} to assess (none in the "
            "registry for the period)"
        )
    lacking = [row for row in header.rows if not row.assessable or row.missing]
    if lacking and not accept_incomplete:
        named = "; ".join(
            f"{row.subject_id} ({', '.join(row.missing) or 'not assessable'})"
            for row in lacking[:_NAMED]
        )
        more = f" and {len(lacking) - _NAMED} more" if len(lacking) > _NAMED else ""
        raise StateConflict(
            f"{len(lacking)} subjects lack facts: {named}{more}. Enter the missing manual "
            "inputs, or send accept_incomplete: true to publish them as they are"
        )


def _compute(
    ctx: ScoringContext,
    version: SchemeVersion,
    scheme: Scheme,
    period: Period,
    kind: Kind,
    *,
    edition: int,
    reason: str | None,
) -> Computed:
    found = facts_for(ctx, scheme, period)
    evaluation = _evaluate(scheme, found.facts, history(ctx, scheme, period))
    return domain.compute(
        scheme=scheme,
        scheme_digest=version.digest or "",
        period=period,
        evaluation=evaluation,
        facts=found.facts,
        trace=found.trace,
        kind=kind,
        edition=edition,
        run_id=uuid.uuid4().hex,
        reason=reason,
        evaluated_at=ctx.now(),
        evaluated_by=ctx.actor,
    )


def _evaluate(scheme: Scheme, facts: Any, past: list[dict[str, Any]]) -> Any:
    try:
        return evaluate(scheme, facts, past)
    except FactsError as error:
        # The facts the ledger and the manual inputs give do not fit the scheme (a manual
        # input of the wrong type, a history of another kind): every problem, named.
        raise error.invalid_input("facts") from None


def history(ctx: ScoringContext, scheme: Scheme, period: Period) -> list[dict[str, Any]]:
    """The scheme's published results of the periods before ``period`` that it looks back
    over (the latest edition of each), oldest first: its streaks' run, and the quarter's
    earlier months for a quarter sum (seed 004's stars); none when it reads neither."""
    lookback = _lookback(scheme)
    if not lookback:
        return []
    latest: dict[str, EditionSummary] = {}
    for edition in ctx.evaluations.finals(scheme.id):
        if edition.period.kind == scheme.period and edition.period.end < period.start:
            latest[edition.period.label] = edition  # finals() is by edition: the last wins
    earlier = sorted(latest.values(), key=lambda e: e.period.start)[-lookback:]
    return [ctx.evaluations.history_entry(scheme.id, e.period.label, e.edition) for e in earlier]


def _lookback(scheme: Scheme) -> int:
    """How many earlier periods the scheme reads: its longest streak (bounded), and the two
    months before a quarter's last when a money rule sums over the quarter."""
    quarter = 2 if scheme.period == "month" and any(r.quarter_rules for r in scheme.money) else 0
    if not scheme.streaks:
        return quarter
    streaks = max(max(s.consecutive or 0, s.window or 0, 1) for s in scheme.streaks)
    return max(quarter, min(MAX_LOOKBACK, streaks))


# -- reading ---------------------------------------------------------------------------------


def list_evaluations(ctx: ScoringContext, *, scheme_id: str) -> list[EditionSummary]:
    """Every published edition of the scheme, by period then edition (the centre)."""
    schemes.get_version(ctx, scheme_id=scheme_id, version=1)  # 404 for an unknown scheme
    return ctx.evaluations.finals(scheme_id)


def get_evaluation(
    ctx: ScoringContext, *, scheme_id: str, period: str, edition: int | None = None
) -> EvaluationView:
    """A published edition (default: the latest) with the rows the reader may see."""
    header = _final(ctx, scheme_id, period, edition)
    return _view(ctx, header, ctx.evaluations.editions(scheme_id, header.period.label))


def get_sheet(
    ctx: ScoringContext,
    *,
    scheme_id: str,
    period: str,
    subject_id: str,
    edition: int | None = None,
) -> SheetView:
    """One subject's sheet of a published edition: lines, explanations, facts and trace."""
    return _sheet(ctx, _final(ctx, scheme_id, period, edition), subject_id)


def get_provisional(
    ctx: ScoringContext, *, scheme_id: str, period: str | None = None
) -> EvaluationView:
    """The provisional scores of the current period (or ``period``): recomputed within
    seconds of every new fact, never a published result."""
    return _view(ctx, _provisional(ctx, scheme_id, period), [])


def get_provisional_sheet(
    ctx: ScoringContext, *, scheme_id: str, subject_id: str, period: str | None = None
) -> SheetView:
    return _sheet(ctx, _provisional(ctx, scheme_id, period), subject_id)


def export_evaluation(
    ctx: ScoringContext, *, scheme_id: str, period: str, edition: int | None = None
) -> Export:
    """The edition's sheets as one .xlsx (Chinese headers): a row per subject with its
    rank, total, grade, flags, every line's points and every money line (the centre)."""
    header = _final(ctx, scheme_id, period, edition)
    sheets = ctx.evaluations.sheets(header)
    indicators: dict[str, str] = {}
    money_rules: dict[str, str] = {}
    for sheet in sheets.values():
        for line in sheet["lines"]:
            indicators.setdefault(line["indicator_id"], line["name"]["zh"])
        for line in sheet["money"]:
            money_rules.setdefault(line["rule_id"], (line["name"] or {}).get("zh", line["rule_id"]))
    columns = [
        Column("rank", "排名"),
        Column("subject_id", "对象编号"),
        Column("subject_name", "对象名称"),
        Column("total", "总分"),
        Column("grade", "等级"),
        Column("flags", "标记"),
        *(Column(f"line:{key}", f"{name}（得分）") for key, name in indicators.items()),
        *(Column(f"money:{key}", f"{name}（元）") for key, name in money_rules.items()),
        Column("money_total", "金额合计（元）"),
        Column("missing", "缺少的事实"),
    ]
    rows = []
    for row in header.rows:
        sheet = sheets.get(row.subject_id, {})
        rows.append(
            {
                "rank": row.rank,
                "subject_id": row.subject_id,
                "subject_name": row.subject_name,
                "total": sheet.get("total"),
                "grade": row.grade_zh or row.grade,
                "flags": "、".join(f["name"]["zh"] for f in sheet.get("flags", []) if f["name"]),
                **{f"line:{ln['indicator_id']}": ln["points"] for ln in sheet.get("lines", [])},
                **{f"money:{m['rule_id']}": m["amount"] for m in sheet.get("money", [])},
                "money_total": sheet.get("money_total"),
                "missing": "、".join(row.missing),
            }
        )
    title = f"{header.scheme_id} {header.period.label} 第{header.edition}版"
    return Export(
        name=f"scores-{header.scheme_id}-{header.period.label}-e{header.edition}",
        data=write_sheet(columns, rows, title=title[:31]),
    )


def _final(ctx: ScoringContext, scheme_id: str, period: str, edition: int | None) -> Header:
    header = ctx.evaluations.final(scheme_id, period, edition)
    if header is None:
        which = "" if edition is None else f"edition {edition} of "
        raise NotFound(f"no published results for {which}{period} of scheme {scheme_id}")
    return header


def _provisional(ctx: ScoringContext, scheme_id: str, period: str | None) -> Header:
    _, scheme = schemes.latest_published(ctx, scheme_id)
    label = (
        _period(scheme, period).label if period is not None else current_label(scheme, ctx.now())
    )
    header = None if label is None else ctx.evaluations.provisional(scheme_id, label)
    if header is None:
        raise NotFound(
            f"no provisional scores of scheme {scheme_id} for {label or 'a custom period'} yet "
            "(they follow the first fact of the period within seconds)"
        )
    return header


def _view(ctx: ScoringContext, header: Header, editions: list[EditionSummary]) -> EvaluationView:
    own = own_subjects(ctx, header.subject_kind, header.period)
    rows = domain.visible_rows(header.rows, own)
    if own is not None and not rows:
        # Nothing of his: as unknown to him as another tenant's results.
        raise NotFound(f"no results of yours for {header.period.label} of {header.scheme_id}")
    return EvaluationView(header=header, rows=rows, editions=editions if own is None else [])


def _sheet(ctx: ScoringContext, header: Header, subject_id: str) -> SheetView:
    own = own_subjects(ctx, header.subject_kind, header.period)
    row = header.row(subject_id)
    sheet = None
    if row is not None and (own is None or subject_id in own):
        sheet = ctx.evaluations.sheet(header, row)
    if row is None or sheet is None:
        raise NotFound(f"no sheet of {subject_id} for {header.period.label}")
    return SheetView(header=header, row=row, sheet=sheet)


def own_subjects(ctx: ScoringContext, subject_kind: str, period: Period) -> frozenset[str] | None:
    """The subjects whose sheets the reader may see: None for the centre (all); a worker's
    own id; the grids he served in the period (team membership, any role) or their villages
    and communities."""
    if CENTRE_ROLES & ctx.roles:
        return None
    if subject_kind == "worker":
        return frozenset({ctx.actor})
    served = [
        m
        for m in ctx.registry.memberships.of_user(ctx.actor)
        if m.starts_on <= period.end and (m.ends_on is None or m.ends_on >= period.start)
    ]
    if subject_kind == "grid":
        return frozenset(m.grid_id for m in served)
    return frozenset(m.division_id for m in served)


# -- simulate and compare --------------------------------------------------------------------


def simulate(
    ctx: ScoringContext, *, scheme_id: str, period: str, version: int | None = None
) -> Comparison:
    """A draft (``version``, default the latest) against the latest published version over
    the same real facts of a period: per subject the change in points, rank, grade, flags
    and money. Nothing is stored or published."""
    _, current = schemes.latest_published(ctx, scheme_id)
    chosen = (
        schemes.latest_version(ctx, scheme_id)
        if version is None
        else schemes.get_version(ctx, scheme_id=scheme_id, version=version)
    )
    tried = _loaded(chosen, "version")
    return _compare(ctx, current, tried, _period(current, period))


def compare_versions(
    ctx: ScoringContext, *, scheme_id: str, before: int, after: int, period: str
) -> Comparison:
    """Two versions over the same period's real facts, subject by subject."""
    old = _loaded(schemes.get_version(ctx, scheme_id=scheme_id, version=before), "from")
    new = _loaded(schemes.get_version(ctx, scheme_id=scheme_id, version=after), "to")
    return _compare(ctx, old, new, _period(new, period))


def _compare(ctx: ScoringContext, before: Scheme, after: Scheme, period: Period) -> Comparison:
    if before.period != after.period:
        raise InvalidInput.of(
            "period", f"the versions assess by {before.period} and by {after.period}"
        )
    past = history(ctx, after, period)
    # Each version is evaluated over the facts its own inputs ask for (a draft may map an
    # input to another metric); both over the same ledger and the same published history.
    old = _evaluate(before, facts_for(ctx, before, period).facts, past)
    new = _evaluate(after, facts_for(ctx, after, period).facts, past)
    return compare_evaluations(old, new)


def _loaded(version: SchemeVersion, field: str) -> Scheme:
    try:
        return version.scheme()
    except SchemeError as error:
        raise InvalidInput.of(
            field, f"version {version.version} is invalid ({len(error.problems)} problems)"
        ) from None


# -- periods ---------------------------------------------------------------------------------


def _period(scheme: Scheme, value: str | None, field: str = "period") -> Period:
    if value is None:
        raise InvalidInput.of(field, "is required")
    if scheme.period == "custom":
        start, _, end = value.partition("..")
        parsed = parse_period("custom", {"start": start, "end": end})
    else:
        parsed = parse_period(scheme.period, value)
    if isinstance(parsed, str):
        raise InvalidInput.of(field, f"scheme {scheme.id} assesses by {scheme.period}: {parsed}")
    return parsed


def current_label(scheme: Scheme, now: datetime) -> str | None:
    """The label of the scheme's period holding today (Asia/Shanghai); None for custom."""
    today: date = local_day(now)
    labels = {
        "month": f"{today.year}-{today.month:02d}",
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "year": str(today.year),
    }
    return labels.get(scheme.period)


# -- provisional scores ----------------------------------------------------------------------


def refresh_provisional(ctx: ScoringContext, *, scheme_id: str) -> bool:
    """Evaluate the current period with the latest published version and store it as the
    period's provisional scores; False when there is nothing to do (a custom period) or a
    later evaluation is stored already."""
    version, scheme = schemes.latest_published(ctx, scheme_id)
    label = current_label(scheme, ctx.now())
    if label is None:
        return False
    period = _period(scheme, label)
    computed = _compute(ctx, version, scheme, period, Kind.PROVISIONAL, edition=0, reason=None)
    try:
        return ctx.evaluations.save_provisional(computed) is not None
    except Conflict:
        return False  # another worker stored a newer one meanwhile


# Facts recorded while a run reads the ledger are caught by the next run: it asks for what
# was recorded since its predecessor started, less this margin for the clocks of the
# consumers that stamp `recorded_ms`.
CLOCK_MARGIN_MS = 2_000


@dataclass
class ProvisionalJob:
    """The worker's provisional-scores job (`shared.scheduler.PeriodicJob`): each run
    evaluates the current period of every published scheme of the tenants whose ledger
    changed since the previous run (``changed_since(ms)``: the ledger's
    `tenants_recorded_since`), or whose scheme was published since, and stores it as the
    provisional sheet. A process's first run refreshes every published scheme; a scheme
    whose refresh failed is tried again next run. Returns how many were refreshed."""

    changed_since: Callable[[int], Iterable[str]]
    last_ms: int | None = None
    failed: set[tuple[str, str]] = field(default_factory=set)

    def __call__(self, now: datetime) -> int:
        started_ms = _ms(now)
        published = published_across_tenants()
        due: set[tuple[str, str]]
        if self.last_ms is None:
            due = {(tenant, scheme) for tenant, scheme, _ in published}
        else:
            since = self.last_ms - CLOCK_MARGIN_MS
            changed = set(self.changed_since(since))
            due = {
                (tenant, scheme)
                for tenant, scheme, published_at in published
                if tenant in changed or _ms(published_at) >= since
            } | self.failed
        failed: set[tuple[str, str]] = set()
        refreshed = 0
        for tenant_id, scheme_id in sorted(due):
            ctx = ScoringContext(tenant_id=tenant_id, actor=PROVISIONAL_ACTOR, clock=lambda: now)
            try:
                refreshed += refresh_provisional(ctx, scheme_id=scheme_id)
            except Exception:
                # One tenant's broken facts must not hold up the others' provisional scores.
                log.exception("provisional scores of %s/%s failed", tenant_id, scheme_id)
                failed.add((tenant_id, scheme_id))
        self.failed = failed
        self.last_ms = started_ms
        return refreshed


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
