"""District reports (区县对比): comparable indicators of a district's tenants, worked out the same
way for every tenant whatever its own scheme says, per tenant and per division (村/社区; the
drill-down stops there: nothing here names a grid, a worker or a person).

Pure: the use case hands it one tenant's ledger entries of the period's months (the metrics in
`METRICS`), the registry's history, the ledger's registered divisions and its filings (every
month: a system filed years ago is still filed). Every rate is a `Ratio` that keeps its
numerator and denominator, so an overseer can check it by hand:

- on-time acceptance (按时受理率): events accepted on time / events reported (流转: neither
  rejected as invalid nor merged), all dated by their report, as the ledger dates them;
- on-time closure (按期办结率): events closed on time / events reported (seed 000's 按规定时间
  办结率); the events closed are shown beside it;
- escalation share (镇级以上流转率): events escalated to town level or above / events reported;
- patrol compliance (巡查达标率): working days passed / working days judged (passed, failed and
  not patrolled; excused and rest days are not judged, as patrol_tracking counts them);
- resident satisfaction (群众满意率): the rate survey published for exactly this period (the
  latest publication when several definitions were published), with its sample size n;
- staffing (专职网格员配备率): comprehensive grids (community and village) in force on the
  period's last day (or today while the period runs) with a worker that day / those grids;
- base-information freshness (基础信息更新率): those comprehensive grids whose base information
  (信息采集 statistics, `baseinfo.recorded`) was recorded in the period / those grids;
- filed systems (制度备案率): see `FILED_ITEMS` (division × item pairs filed by the period's
  last day / the period's divisions × 2), with how many of those were filed late beside it.

Percentages are rounded once, half up, to 0.01; no denominator, no rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from shared.periods import Period

from .bridge import Registry, subjects
from .ledger import LedgerEntry, counted

REPORTED = "intake.events_reported"
ACCEPTED_ON_TIME = "intake.events_accepted_on_time"
CLOSED = "intake.events_closed"
CLOSED_ON_TIME = "intake.events_closed_on_time"
ESCALATED = "intake.events_escalated"
PATROL_DAYS = "patrol.days"
SATISFACTION = "survey.satisfaction_rate"
BASE_INFO = "registry.baseinfo_expected"  # one entry per grid, sub-category and month recorded
# The ledger metrics a report reads (the period's month buckets of each).
METRICS = (
    REPORTED,
    ACCEPTED_ON_TIME,
    CLOSED,
    CLOSED_ON_TIME,
    ESCALATED,
    PATROL_DAYS,
    SATISFACTION,
    BASE_INFO,
)

JUDGED_VERDICTS = frozenset({"passed", "failed", "not_patrolled"})
COMPREHENSIVE_GRIDS = frozenset({"community", "village"})
HUNDRED = Decimal(100)
PLACES = Decimal("0.01")

# READING (filed systems, 制度备案): seed 000 asks every village and community to set up a
# management system for grid work (网格工作管理制度) and an assessment system for its grid
# workers (网格员考核办法) and to file both with the town centre; grid_registry's default
# checklist items are these two. Comparable whatever a tenant's own checklist or scheme:
# numerator: (division, item) pairs of the period's divisions × these two items with a filing
#   in force (status filed or filed_late: a withdrawn filing is retracted from the ledger)
#   whose filed_on is on or before the period's last day; a pair filed twice counts once;
# denominator: the period's divisions (registered by its last day or holding a grid in it,
#   as a division-scheme's sheets list them) × 2.
# Items a tenant added beyond the two are not comparable and not counted. The ledger keeps
# filings as they stand now, so a filing withdrawn after a period also leaves that period's
# figure (there is no record of it having been in force then).
FILINGS = "registry.filings"  # one live entry per filing, keyed by its checklist item
FILED_ITEMS = ("management_rules", "assessment_rules")


@dataclass(frozen=True)
class Ratio:
    """A rate with what it is made of: `numerator` out of `denominator`."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        """numerator / denominator × 100, half up to 0.01; None without a denominator."""
        if self.denominator == 0:
            return None
        exact = Decimal(self.numerator) * HUNDRED / Decimal(self.denominator)
        return exact.quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Satisfaction:
    """A satisfaction rate as survey published it (percent), its sample size and origin."""

    rate: Decimal
    n: int | None
    definition_code: str | None
    edition: int | None


@dataclass(frozen=True)
class Indicators:
    """The comparable indicators of a tenant (or one of its divisions) for one period."""

    acceptance_on_time: Ratio
    closure_on_time: Ratio
    events_closed: int
    escalation: Ratio
    patrol_compliance: Ratio
    satisfaction: Satisfaction | None
    staffing: Ratio
    staffing_day: date
    base_info_freshness: Ratio = Ratio(0, 0)
    filed_systems: Ratio = Ratio(0, 0)
    filed_late: int = 0  # of the pairs counted in `filed_systems`, those filed late

    @property
    def events_reported(self) -> int:
        return self.acceptance_on_time.denominator


@dataclass(frozen=True)
class DivisionIndicators:
    division_id: str
    name: str
    indicators: Indicators


@dataclass(frozen=True)
class TenantIndicators:
    """A tenant's indicators for a period, and those of each of its divisions."""

    period: Period
    tenant: Indicators
    divisions: tuple[DivisionIndicators, ...]


@dataclass(frozen=True)
class PublishedTotal:
    """A tenant's own published result for the period: the mean total (on 100) of the latest
    final edition of one of its schemes."""

    scheme_id: str
    scheme_version: int
    edition: int
    mean_total: Decimal | None
    subjects: int
    evaluated_at: datetime


class _Tally:
    """Counts of one subject (the tenant, or one division)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.verdicts: dict[str, int] = defaultdict(int)
        self.rates: list[LedgerEntry] = []
        self.grids = 0
        self.staffed = 0
        self.recorded_grids: set[str] = set()  # base information recorded in the period
        self.fresh = 0
        self.divisions = 0
        self.filed_on_time: set[tuple[str, str]] = set()  # (division, item)
        self.filed_late: set[tuple[str, str]] = set()

    def indicators(self, staffing_day: date) -> Indicators:
        reported = self.counts[REPORTED]
        judged = sum(self.verdicts[verdict] for verdict in JUDGED_VERDICTS)
        return Indicators(
            acceptance_on_time=Ratio(self.counts[ACCEPTED_ON_TIME], reported),
            closure_on_time=Ratio(self.counts[CLOSED_ON_TIME], reported),
            events_closed=self.counts[CLOSED],
            escalation=Ratio(self.counts[ESCALATED], reported),
            patrol_compliance=Ratio(self.verdicts["passed"], judged),
            satisfaction=_latest_rate(self.rates),
            staffing=Ratio(self.staffed, self.grids),
            staffing_day=staffing_day,
            base_info_freshness=Ratio(self.fresh, self.grids),
            filed_systems=Ratio(
                len(self.filed_on_time | self.filed_late), self.divisions * len(FILED_ITEMS)
            ),
            # A pair with a late and an on-time filing in force is not late.
            filed_late=len(self.filed_late - self.filed_on_time),
        )


def _latest_rate(entries: Sequence[LedgerEntry]) -> Satisfaction | None:
    if not entries:
        return None
    latest = max(entries, key=lambda entry: (entry.at_ms, entry.entry_id))
    n = latest.attributes.get("n")
    edition = latest.attributes.get("edition")
    return Satisfaction(
        rate=latest.value,
        n=None if n is None else int(n),
        definition_code=latest.key,
        edition=None if edition is None else int(edition),
    )


def staffing_day(period: Period, today: date) -> date:
    """The day staffing is read on: the period's last day, or today while the period runs."""
    return min(period.end, max(today, period.start))


def tenant_indicators(
    period: Period,
    *,
    entries: Iterable[LedgerEntry],
    registry: Registry,
    divisions: Sequence[LedgerEntry] = (),
    filings: Sequence[LedgerEntry] = (),
    today: date,
) -> TenantIndicators:
    """One tenant's indicators for `period` from its ledger entries (any months: those outside
    the period are skipped), its registry and its filings (`FILINGS`, every month), with one
    row per division of the period."""
    tenant = _Tally()
    by_division: dict[str, _Tally] = defaultdict(_Tally)
    for entry in counted(entries):
        _count(entry, period, registry, tenant, by_division)
    day = staffing_day(period, today)
    for grid in registry.in_force(day):
        if grid.type not in COMPREHENSIVE_GRIDS:
            continue
        staffed = registry.staffed(grid.grid_id, day)
        for tally in (tenant, by_division[grid.division_id]):
            tally.grids += 1
            tally.staffed += int(staffed)
            tally.fresh += int(grid.grid_id in tally.recorded_grids)
    named = {s.id: s.name for s in subjects("division", period, registry, divisions)}
    tenant.divisions = len(named)
    for division in named:
        by_division[division].divisions = 1
    _count_filings(filings, period, named, tenant, by_division)
    ordered = [*named, *sorted(set(by_division) - set(named))]
    return TenantIndicators(
        period=period,
        tenant=tenant.indicators(day),
        divisions=tuple(
            DivisionIndicators(
                division_id=division,
                name=named.get(division, division),
                indicators=(by_division.get(division) or _Tally()).indicators(day),
            )
            for division in ordered
        ),
    )


def _count(
    entry: LedgerEntry,
    period: Period,
    registry: Registry,
    tenant: _Tally,
    by_division: dict[str, _Tally],
) -> None:
    """Add one counted entry to the tenant's tally and its division's."""
    if entry.metric == SATISFACTION:
        # A gauge of exactly this period; a tenant's row for the tenant, a division's own row
        # for the division (a division's rate is not made of its grids' rates).
        if entry.period != period.label:
            return
        if entry.subject_kind == "tenant":
            tenant.rates.append(entry)
        elif entry.subject_kind == "division":
            by_division[entry.subject_id].rates.append(entry)
        return
    if not period.start <= entry.day <= period.end:
        return
    division = _division_of(entry, registry)
    tallies = (tenant,) if division is None else (tenant, by_division[division])
    for tally in tallies:
        if entry.metric == BASE_INFO:
            if entry.grid_id is not None:
                tally.recorded_grids.add(entry.grid_id)
        elif entry.metric == PATROL_DAYS:
            if entry.key is not None:
                tally.verdicts[entry.key] += int(entry.value)
        else:
            tally.counts[entry.metric] += int(entry.value)


def _count_filings(
    filings: Iterable[LedgerEntry],
    period: Period,
    divisions: Iterable[str],
    tenant: _Tally,
    by_division: dict[str, _Tally],
) -> None:
    """Add the filings in force by the period's last day (see `FILED_ITEMS`) of the period's
    divisions to the tenant's tally and their division's."""
    counted_divisions = set(divisions)
    for entry in counted(filings):
        division = entry.division_id or entry.subject_id
        if (
            entry.metric != FILINGS
            or entry.key not in FILED_ITEMS
            or entry.day > period.end
            or division not in counted_divisions
        ):
            continue
        pair = (division, entry.key)
        late = entry.attributes.get("status") == "filed_late"
        for tally in (tenant, by_division[division]):
            (tally.filed_late if late else tally.filed_on_time).add(pair)


def _division_of(entry: LedgerEntry, registry: Registry) -> str | None:
    """The division a fact counts for: its grid's division as the registry knows it, else
    the one the message named (as the facts bridge attributes facts)."""
    grid = entry.grid_id
    found = None if grid is None else registry.division_of(grid)
    return found or entry.division_id


def latest_totals(
    finals: Mapping[str, Sequence[PublishedTotal]],
) -> tuple[PublishedTotal, ...]:
    """The latest edition of each scheme's final results for the period, by scheme id."""
    found = []
    for scheme_id in sorted(finals):
        editions = finals[scheme_id]
        if editions:
            found.append(max(editions, key=lambda total: total.edition))
    return tuple(found)


__all__ = [
    "FILED_ITEMS",
    "FILINGS",
    "METRICS",
    "DivisionIndicators",
    "Indicators",
    "PublishedTotal",
    "Ratio",
    "Satisfaction",
    "TenantIndicators",
    "latest_totals",
    "staffing_day",
    "tenant_indicators",
]
