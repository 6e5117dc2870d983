"""District reports (区县对比) for a district overseer: his district's tenants side by side on
comparable indicators (`domain.district_reports`), their trend over periods, one tenant's
divisions, and the Excel export.

The overseer is bound to no tenant: his district comes from his token (`DistrictReader`). The
district's members are the one read across tenants (`shared.tenancy`'s directory); every other
read goes through a `ScoringContext` of one member tenant, so each stays tenant-bound. A tenant
outside the district is a 404, the same answer as a tenant that does not exist.

Reads per tenant: the period's month buckets of the report's metrics (`LedgerRepository.
period_entries`, as `facts_for` does: a few equality reads, never one event at a time), the
registry's columns, the registered divisions and the filings (every month of each), and the
final editions of its schemes of the period's kind (header summaries only).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from openpyxl import Workbook
from openpyxl.styles import Font

from services.scoring.domain import district_reports as domain
from services.scoring.domain.bridge import Registry, months_of
from services.scoring.domain.district_reports import (
    Indicators,
    PublishedTotal,
    Ratio,
    TenantIndicators,
)
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.use_cases.context import ScoringContext
from services.scoring.use_cases.facts import division_entries
from shared.errors import Conflict, InvalidInput, NotFound
from shared.periods import Period, parse_period
from shared.registry.model import TENANT_TZ
from shared.tenancy.model import DistrictMembership
from shared.tenancy.repository import DistrictDirectory
from shared.workbooks import export_cell

log = logging.getLogger(__name__)

REPORT_KINDS = ("month", "quarter", "half", "year")
MAX_TREND_PERIODS = 24


@dataclass(frozen=True)
class DistrictReader:
    """A district overseer: who he is and the district his token names (None: no district)."""

    actor: str
    district_id: str | None
    correlation_id: str | None = None

    @cached_property
    def directory(self) -> DistrictDirectory:
        return DistrictDirectory()

    def district(self) -> str:
        if self.district_id is None:
            raise NotFound("the token names no district")
        return self.district_id

    def context(self, tenant_id: str) -> ScoringContext:
        """A read context of one member tenant (the overseer as its actor)."""
        return ScoringContext(
            tenant_id=tenant_id, actor=self.actor, correlation_id=self.correlation_id
        )


@dataclass(frozen=True)
class TenantReport:
    """One member tenant's indicators for a period, and its own published totals."""

    tenant_id: str
    code: str
    name: str | None
    status: str
    figures: TenantIndicators | None  # None: the tenant's ledger cannot be read (`UNREADABLE`)
    published: tuple[PublishedTotal, ...]

    @property
    def indicators(self) -> Indicators | None:
        return None if self.figures is None else self.figures.tenant


@dataclass(frozen=True)
class DistrictReport:
    district_id: str
    period: Period
    generated_at: datetime
    tenants: tuple[TenantReport, ...]


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    indicators: Indicators | None
    published: tuple[PublishedTotal, ...]


@dataclass(frozen=True)
class TenantTrend:
    tenant_id: str
    code: str
    name: str | None
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class DistrictTrend:
    district_id: str
    kind: str
    periods: tuple[Period, ...]
    generated_at: datetime
    tenants: tuple[TenantTrend, ...]


@dataclass(frozen=True)
class DivisionReport:
    district_id: str
    tenant_id: str
    code: str
    name: str | None
    period: Period
    generated_at: datetime
    figures: TenantIndicators


@dataclass(frozen=True)
class Export:
    name: str
    data: bytes


# -- periods -------------------------------------------------------------------------------------


def report_period(label: str, field: str = "period", kind: str | None = None) -> Period:
    """A month, quarter, half or year from its label (``2026-11``, ``2026-Q4``, ``2026``);
    `InvalidInput` naming `field` otherwise."""
    for candidate in (kind,) if kind is not None else REPORT_KINDS:
        found = parse_period(candidate, label)
        if isinstance(found, Period):
            return found
    wanted = f"a {kind}" if kind is not None else "a month, quarter, half or year"
    raise InvalidInput.of(field, f"must be {wanted} such as 2026-11, 2026-Q4 or 2026")


def periods_between(kind: str, first: str, last: str) -> list[Period]:
    """Every period of `kind` from `first` to `last`, both included."""
    if kind not in REPORT_KINDS:
        raise InvalidInput.of("kind", f"must be one of {', '.join(REPORT_KINDS)}")
    start = report_period(first, "from", kind)
    end = report_period(last, "to", kind)
    if end.start < start.start:
        raise InvalidInput.of("to", "must not be before from")
    found = [start]
    while found[-1].label != end.label:
        if len(found) == MAX_TREND_PERIODS:
            raise InvalidInput.of("to", f"a trend covers at most {MAX_TREND_PERIODS} periods")
        found.append(_next(found[-1]))
    return found


def _next(period: Period) -> Period:
    day = period.end + timedelta(days=1)
    labels = {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "half": f"{day.year}-H{(day.month - 1) // 6 + 1}",
        "year": str(day.year),
    }
    found = parse_period(period.kind, labels[period.kind])
    assert isinstance(found, Period)
    return found


# -- reads of one tenant -------------------------------------------------------------------------


UNREADABLE = (
    "该单位的指标台账为旧格式，需重建后才能统计 / the tenant's ledger holds entries of an "
    "earlier format: rebuild it (python -m services.scoring.rebuild --first-format)"
)


def _figures_or_none(
    ctx: ScoringContext, periods: Sequence[Period], now: datetime
) -> dict[str, TenantIndicators] | None:
    """`_figures`, or None when the tenant's ledger holds entries of an earlier format that
    cannot be read by bucket (one such tenant must not fail its whole district's report)."""
    try:
        return _figures(ctx, periods, now)
    except TypeError:
        log.warning("ledger of %s cannot be read: %s", ctx.tenant_id, UNREADABLE)
        return None


def _figures(
    ctx: ScoringContext, periods: Sequence[Period], now: datetime
) -> dict[str, TenantIndicators]:
    """The tenant's indicators of each period, from one read of their months' buckets."""
    months = sorted({month for period in periods for month in months_of(period)})
    entries = ctx.ledger.period_entries(months, domain.METRICS)
    divisions = _division_names(ctx)
    # Every month's: a system filed long before the period is still filed in it.
    filings = ctx.ledger.of_metric(domain.FILINGS)
    history = ctx.registry_history
    registry = Registry(history.grids(), history.memberships())
    today = now.astimezone(TENANT_TZ).date()
    return {
        period.label: domain.tenant_indicators(
            period,
            entries=entries,
            registry=registry,
            divisions=divisions,
            filings=filings,
            today=today,
        )
        for period in periods
    }


def _division_names(ctx: ScoringContext) -> list[LedgerEntry]:
    """The tenant's registered divisions (their names). A ledger still holding entries of its
    first format cannot be read by metric (`tenants_in_first_format`): its divisions are then
    shown by id, not a failed report for the whole district, until its ledger is rebuilt."""
    try:
        return division_entries(ctx)
    except TypeError:
        log.warning(
            "ledger of %s needs `python -m services.scoring.rebuild --first-format`: "
            "divisions shown by id",
            ctx.tenant_id,
        )
        return []


def _published(
    ctx: ScoringContext, periods: Sequence[Period]
) -> dict[str, tuple[PublishedTotal, ...]]:
    """The latest final edition of each of the tenant's schemes of the periods' kind, per
    period (none when nothing was published)."""
    kinds = {period.kind for period in periods}
    schemes = sorted({v.scheme_id for v in ctx.schemes.published() if v.period_kind in kinds})
    found: dict[str, dict[str, list[PublishedTotal]]] = {p.label: {} for p in periods}
    for scheme_id in schemes:
        for edition in ctx.evaluations.finals(scheme_id):
            if edition.period.label in found:
                found[edition.period.label].setdefault(scheme_id, []).append(
                    PublishedTotal(
                        scheme_id=edition.scheme_id,
                        scheme_version=edition.scheme_version,
                        edition=edition.edition,
                        mean_total=edition.mean_total,
                        subjects=edition.subjects,
                        evaluated_at=edition.evaluated_at,
                    )
                )
    return {label: domain.latest_totals(by_scheme) for label, by_scheme in found.items()}


def _members(reader: DistrictReader) -> list[DistrictMembership]:
    return reader.directory.members(reader.district())


def _member(reader: DistrictReader, tenant_id: str) -> DistrictMembership:
    found = reader.directory.member(reader.district(), tenant_id)
    if found is None:
        raise NotFound(f"tenant {tenant_id} not found in this district")
    return found


# -- the use cases -------------------------------------------------------------------------------


def district_report(reader: DistrictReader, *, period: str, now: datetime) -> DistrictReport:
    """The district's tenants side by side for one period."""
    wanted = report_period(period)
    tenants = []
    for member in _members(reader):
        ctx = reader.context(member.tenant_id)
        figures = _figures_or_none(ctx, [wanted], now)
        tenants.append(
            TenantReport(
                tenant_id=member.tenant_id,
                code=member.code,
                name=member.name,
                status=member.status.value,
                figures=None if figures is None else figures[wanted.label],
                published=_published(ctx, [wanted])[wanted.label],
            )
        )
    return DistrictReport(reader.district(), wanted, now, tuple(tenants))


def district_trend(
    reader: DistrictReader, *, first: str, last: str, kind: str, now: datetime
) -> DistrictTrend:
    """Each tenant's indicators over the periods of `kind` from `first` to `last`."""
    periods = periods_between(kind, first, last)
    tenants = []
    for member in _members(reader):
        ctx = reader.context(member.tenant_id)
        figures = _figures_or_none(ctx, periods, now)
        published = _published(ctx, periods)
        tenants.append(
            TenantTrend(
                tenant_id=member.tenant_id,
                code=member.code,
                name=member.name,
                points=tuple(
                    TrendPoint(
                        p,
                        None if figures is None else figures[p.label].tenant,
                        published[p.label],
                    )
                    for p in periods
                ),
            )
        )
    return DistrictTrend(reader.district(), kind, tuple(periods), now, tuple(tenants))


def tenant_divisions(
    reader: DistrictReader, *, tenant_id: str, period: str, now: datetime
) -> DivisionReport:
    """One member tenant's divisions for a period (404: a tenant outside the district)."""
    wanted = report_period(period)
    member = _member(reader, tenant_id)
    found = _figures_or_none(reader.context(tenant_id), [wanted], now)
    if found is None:
        raise Conflict(UNREADABLE)
    figures = found[wanted.label]
    return DivisionReport(
        district_id=reader.district(),
        tenant_id=tenant_id,
        code=member.code,
        name=member.name,
        period=wanted,
        generated_at=now,
        figures=figures,
    )


# -- the export ----------------------------------------------------------------------------------

_INDICATOR_HEADERS = (
    "上报事项（件）",
    "按时受理（件）",
    "按时受理率（%）",
    "办结事项（件）",
    "按期办结（件）",
    "按期办结率（%）",
    "镇级以上流转（件）",
    "镇级以上流转率（%）",
    "巡查达标工作日（天）",
    "巡查考核工作日（天）",
    "巡查达标率（%）",
    "群众满意率（%）",
    "满意率样本量（n）",
    "满意率口径",
    "综合网格（个）",
    "配备专职网格员的网格（个）",
    "专职网格员配备率（%）",
    "配备情况统计日",
    "本期更新基础信息的网格（个）",
    "基础信息更新率（%）",
    "已备案制度（项）",
    "其中逾期备案（项）",
    "应备案制度（项）",
    "制度备案率（%）",
)


def _percent(ratio: Ratio) -> object:
    value = ratio.percent
    return "—" if value is None else value


def indicator_cells(found: Indicators) -> list[object]:
    """One row's indicator cells, in `_INDICATOR_HEADERS` order."""
    satisfaction = found.satisfaction
    return [
        found.events_reported,
        found.acceptance_on_time.numerator,
        _percent(found.acceptance_on_time),
        found.events_closed,
        found.closure_on_time.numerator,
        _percent(found.closure_on_time),
        found.escalation.numerator,
        _percent(found.escalation),
        found.patrol_compliance.numerator,
        found.patrol_compliance.denominator,
        _percent(found.patrol_compliance),
        "未发布" if satisfaction is None else satisfaction.rate,
        None if satisfaction is None else satisfaction.n,
        None if satisfaction is None else satisfaction.definition_code,
        found.staffing.denominator,
        found.staffing.numerator,
        _percent(found.staffing),
        found.staffing_day.isoformat(),
        found.base_info_freshness.numerator,
        _percent(found.base_info_freshness),
        found.filed_systems.numerator,
        found.filed_late,
        found.filed_systems.denominator,
        _percent(found.filed_systems),
    ]


def _published_cells(published: Sequence[PublishedTotal]) -> list[object]:
    if not published:
        return ["未发布", None, None, None]
    return [
        "；".join("—" if t.mean_total is None else str(t.mean_total) for t in published),
        "；".join(t.scheme_id for t in published),
        "；".join(f"v{t.scheme_version}" for t in published),
        "；".join(f"第{t.edition}版" for t in published),
    ]


def _append(sheet: object, values: Sequence[object], *, bold: bool = False) -> None:
    cells = []
    for value in values:
        cell = export_cell(sheet, value)
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)  # type: ignore[attr-defined]


def export_report(reader: DistrictReader, *, period: str, now: datetime) -> Export:
    """区县对比报表 (.xlsx, Chinese headers): the district's tenants side by side, each
    tenant's divisions, and what the figures came from (period, editions and versions of the
    published totals, when generated)."""
    report = district_report(reader, period=period, now=now)
    generated = now.astimezone(TENANT_TZ).strftime("%Y-%m-%d %H:%M:%S")
    label = report.period.label
    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("说明")
    _append(about, ["区县对比报表"], bold=True)
    _append(about, ["区（县）", report.district_id])
    _append(
        about,
        [
            "统计期",
            f"{label}（{report.period.start.isoformat()} 至 {report.period.end.isoformat()}）",
        ],
    )
    _append(about, ["生成时间（北京时间）", generated])
    _append(about, ["口径", "各单位统一口径，由平台记录的事实计算，与各单位考核方案无关"])
    _append(about, ["按时受理率", "按时受理事项 ÷ 上报（流转）事项，按上报日期归期"])
    _append(about, ["按期办结率", "按规定时间办结事项 ÷ 上报（流转）事项"])
    _append(about, ["镇级以上流转率", "流转至镇（街道）级以上事项 ÷ 上报（流转）事项"])
    _append(
        about, ["巡查达标率", "达标工作日 ÷ 考核工作日（达标、未达标、未巡查；请假、休息日不计）"]
    )
    _append(about, ["群众满意率", "调查服务发布的本统计期满意率及样本量"])
    _append(about, ["专职网格员配备率", "统计日在用的综合网格（村、社区）中配备专职网格员的比例"])
    _append(about, ["基础信息更新率", "综合网格中本统计期登记了信息采集统计的比例"])
    _append(
        about,
        [
            "制度备案率",
            "各村（社区）网格工作管理制度、网格员考核办法两项中，统计期末日前已备案（含逾期备案，"
            "撤回的不计）的项数 ÷（村、社区数 × 2）；各单位自设的其他备案事项不计",
        ],
    )
    _append(about, [])
    _append(
        about,
        ["单位", "单位代码", "考核方案", "方案版本", "结果版次", "平均总分", "结果发布时间"],
        bold=True,
    )
    for tenant in report.tenants:
        if not tenant.published:
            _append(about, [tenant.name or tenant.tenant_id, tenant.code, "本期未发布考核结果"])
        for total in tenant.published:
            _append(
                about,
                [
                    tenant.name or tenant.tenant_id,
                    tenant.code,
                    total.scheme_id,
                    f"v{total.scheme_version}",
                    f"第{total.edition}版",
                    total.mean_total,
                    total.evaluated_at.astimezone(TENANT_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                ],
            )
    side = workbook.create_sheet("单位对比")
    _append(side, [f"{report.district_id} 区县对比 {label}（生成于 {generated}）"], bold=True)
    _append(
        side,
        [
            "单位",
            "单位代码",
            "状态",
            *_INDICATOR_HEADERS,
            "本单位考核平均总分（百分制）",
            "考核方案",
            "方案版本",
            "结果版次",
        ],
        bold=True,
    )
    for tenant in report.tenants:
        _append(
            side,
            [
                tenant.name or tenant.tenant_id,
                tenant.code,
                "在册" if tenant.status == "active" else "已退出",
                *(
                    [UNREADABLE]
                    if tenant.indicators is None
                    else indicator_cells(tenant.indicators)
                ),
                *_published_cells(tenant.published),
            ],
        )
    divisions = workbook.create_sheet("村社区")
    _append(divisions, [f"{report.district_id} 村（社区）明细 {label}"], bold=True)
    _append(divisions, ["单位", "村（社区）编号", "村（社区）", *_INDICATOR_HEADERS], bold=True)
    for tenant in report.tenants:
        for division in () if tenant.figures is None else tenant.figures.divisions:
            _append(
                divisions,
                [
                    tenant.name or tenant.tenant_id,
                    division.division_id,
                    division.name,
                    *indicator_cells(division.indicators),
                ],
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(name=f"district-report-{report.district_id}-{label}", data=buffer.getvalue())


__all__ = [
    "DistrictReader",
    "DistrictReport",
    "DistrictTrend",
    "DivisionReport",
    "Export",
    "district_report",
    "district_trend",
    "export_report",
    "tenant_divisions",
]
