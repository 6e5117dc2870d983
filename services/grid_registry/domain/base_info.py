"""Base-information figures (基础信息采集): expected / collected / verified counts per grid and
sub-category on a statistics date, and the rates the assessment schemes score.

Seed 001 scores every sub-category on its own ("有一项未达标扣0.2分", target >= 95%), so rates are
kept per grid and sub-category and summed upwards (division, tenant) before dividing: a rate of
sums, never an average of rates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
SUB_CATEGORY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LABEL_MAX = 32
FIGURE_MAX = 100_000_000
RATE_PLACES = Decimal("0.0001")
ONE = Decimal(1)


class Category(StrEnum):
    """The four collection categories of seed 001 (信息采集)."""

    POPULATION = "population"
    SERVICE_TARGET = "service_target"
    RENTAL = "rental"
    SPECIAL_GROUP = "special_group"


CATEGORY_LABELS: Mapping[Category, str] = {
    Category.POPULATION: "实有人口",
    Category.SERVICE_TARGET: "服务对象",
    Category.RENTAL: "出租房屋",
    Category.SPECIAL_GROUP: "特殊人群",
}

# The sub-categories seeds 001 and 002 name; a tenant adds its own (see `SubCategory`).
DEFAULT_SUB_CATEGORIES: Mapping[Category, Mapping[str, str]] = {
    Category.POPULATION: {"registered": "户籍人口", "floating": "流动人口", "foreign": "境外人员"},
    Category.SERVICE_TARGET: {
        "disabled": "残疾人",
        "newborn": "新生儿",
        "employed": "从业人员",
        "low_income": "低保户",
        "elderly_alone": "独居老人",
    },
    Category.RENTAL: {"rented_house": "出租房屋", "renter": "承租人员"},
    Category.SPECIAL_GROUP: {
        "community_correction": "社区矫正人员",
        "key_youth": "重点青少年",
        "key_petitioner": "重点上访人员",
        "released_prisoner": "刑满释放人员",
    },
}


def parse_category(value: str, field: str = "category") -> Category:
    """The category named by its English value or Chinese label; ``InvalidInput`` otherwise."""
    raw = value.strip()
    for category, label in CATEGORY_LABELS.items():
        if raw in (category.value, label):
            return category
    options = ", ".join(category.value for category in Category)
    raise InvalidInput.of(field, f"must be one of: {options}")


@dataclass(frozen=True)
class SubCategory:
    """A sub-category of a category: a platform default or one the tenant added."""

    category: Category
    code: str
    label: str
    custom: bool


def default_sub_categories() -> list[SubCategory]:
    """The platform's default sub-categories, in catalogue order."""
    return [
        SubCategory(category=category, code=code, label=label, custom=False)
        for category, subs in DEFAULT_SUB_CATEGORIES.items()
        for code, label in subs.items()
    ]


def add_sub_category(
    *, category: str, code: str, label: str, existing: Iterable[SubCategory]
) -> SubCategory:
    """A new tenant sub-category; 422 on a bad or already used code, a bad label."""
    parsed = parse_category(category)
    code = code.strip()
    label = label.strip()
    problems: list[FieldProblem] = []
    if not SUB_CATEGORY_PATTERN.match(code):
        problems.append(
            FieldProblem("sub_category", "1-32 lowercase letters, digits or '_', a letter first")
        )
    elif any(sub.category is parsed and sub.code == code for sub in existing):
        problems.append(FieldProblem("sub_category", "already exists in this category"))
    if not label or len(label) > LABEL_MAX:
        problems.append(FieldProblem("label", f"must be 1-{LABEL_MAX} characters"))
    elif any(sub.category is parsed and label in (sub.code, sub.label) for sub in existing):
        # Workbooks name sub-categories by label, so a label must pick exactly one.
        problems.append(FieldProblem("label", "already used in this category"))
    if problems:
        raise InvalidInput(problems)
    return SubCategory(category=parsed, code=code, label=label, custom=True)


def resolve_sub_category(
    category: Category, value: str, catalogue: Iterable[SubCategory], field: str = "sub_category"
) -> SubCategory:
    """The catalogue entry named by its code or Chinese label under ``category``."""
    raw = value.strip()
    for sub in catalogue:
        if sub.category is category and raw in (sub.code, sub.label):
            return sub
    raise InvalidInput.of(field, f"not a sub-category of {category.value}")


def rate(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` to 4 places (half up); 1 when nothing was due."""
    if denominator == 0:
        return ONE.quantize(RATE_PLACES)
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Expected (应采集), collected (已采集) and verified (已核实) counts, with their rates."""

    expected: int
    collected: int
    verified: int

    @property
    def collection_rate(self) -> Decimal:
        """collected / expected; over-collection gives a rate above 1."""
        return rate(self.collected, self.expected)

    @property
    def verification_rate(self) -> Decimal:
        """verified / collected."""
        return rate(self.verified, self.collected)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            expected=self.expected + other.expected,
            collected=self.collected + other.collected,
            verified=self.verified + other.verified,
        )


ZERO = Figures(expected=0, collected=0, verified=0)


def total(figures: Iterable[Figures]) -> Figures:
    """The sum of ``figures`` (rates recomputed from the sums)."""
    result = ZERO
    for item in figures:
        result = result + item
    return result


def check_figures(*, expected: int, collected: int, verified: int) -> Figures:
    """Figures within bounds, verified <= collected; ``InvalidInput`` lists every problem."""
    problems: list[FieldProblem] = []
    for name, value in (("expected", expected), ("collected", collected), ("verified", verified)):
        if not 0 <= value <= FIGURE_MAX:
            problems.append(FieldProblem(name, f"must be between 0 and {FIGURE_MAX}"))
    if not problems and verified > collected:
        problems.append(FieldProblem("verified", "cannot exceed collected"))
    if problems:
        raise InvalidInput(problems)
    return Figures(expected=expected, collected=collected, verified=verified)


@dataclass(frozen=True)
class Snapshot:
    """The figures of one grid and sub-category on one statistics date (统计日期)."""

    snapshot_id: str
    tenant_id: str
    grid_id: str
    division_id: str
    category: Category
    sub_category: str
    as_of: date
    figures: Figures
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class FiguresRecorded:
    """Figures were recorded for a grid, sub-category and date (ids and counts only)."""

    grid_id: str
    division_id: str
    category: Category
    sub_category: str
    figures: Figures
    as_of: date
    actor: str
    replaced: bool
    occurred_at: datetime

    type: ClassVar[str] = "baseinfo.recorded"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.grid_id

    def payload(self) -> dict[str, Any]:
        """The `baseinfo.recorded` v1 payload: ids and counts."""
        return {
            "grid_id": self.grid_id,
            "division_id": self.division_id,
            "category": self.category.value,
            "sub_category": self.sub_category,
            "expected": self.figures.expected,
            "collected": self.figures.collected,
            "verified": self.figures.verified,
            "as_of": self.as_of.isoformat(),
            "actor": self.actor,
        }


def record_figures(
    *,
    snapshot_id: str,
    tenant_id: str,
    grid_id: str,
    division_id: str,
    sub_category: SubCategory,
    as_of: date,
    expected: int,
    collected: int,
    verified: int,
    previous: Snapshot | None,
    actor: str,
    now: datetime,
) -> tuple[Snapshot, FiguresRecorded | None]:
    """The snapshot for ``as_of`` and its event; no event when ``previous`` (the snapshot
    already stored for that date) holds the same figures. ``as_of`` may not be in the future
    (tenant time)."""
    require_aware(now)
    figures = check_figures(expected=expected, collected=collected, verified=verified)
    if as_of > now.astimezone(TENANT_ZONE).date():
        raise InvalidInput.of("as_of", "cannot be in the future")
    if previous is not None and (
        previous.figures == figures and previous.division_id == division_id
    ):
        return previous, None
    snapshot = Snapshot(
        snapshot_id=previous.snapshot_id if previous is not None else snapshot_id,
        tenant_id=tenant_id,
        grid_id=grid_id,
        division_id=division_id,
        category=sub_category.category,
        sub_category=sub_category.code,
        as_of=as_of,
        figures=figures,
        recorded_at=now,
        recorded_by=actor,
    )
    event = FiguresRecorded(
        grid_id=grid_id,
        division_id=division_id,
        category=sub_category.category,
        sub_category=sub_category.code,
        figures=figures,
        as_of=as_of,
        actor=actor,
        replaced=previous is not None,
        occurred_at=now,
    )
    return snapshot, event


def latest(snapshots: Iterable[Snapshot], as_of: date) -> list[Snapshot]:
    """Per grid and sub-category, the latest snapshot on or before ``as_of``, sorted by grid,
    category and sub-category."""
    chosen: dict[tuple[str, Category, str], Snapshot] = {}
    for snapshot in snapshots:
        if snapshot.as_of > as_of:
            continue
        key = (snapshot.grid_id, snapshot.category, snapshot.sub_category)
        held = chosen.get(key)
        if held is None or held.as_of < snapshot.as_of:
            chosen[key] = snapshot
    return [chosen[key] for key in sorted(chosen)]


@dataclass(frozen=True)
class SubCategoryTotal:
    category: Category
    sub_category: str
    figures: Figures


@dataclass(frozen=True)
class Summary:
    """Sums for one grid, division or the whole tenant, overall and per sub-category."""

    key: str
    figures: Figures
    sub_categories: tuple[SubCategoryTotal, ...]


def summarize(key: str, snapshots: Iterable[Snapshot]) -> Summary:
    """Sum ``snapshots`` overall and per sub-category (rates follow from the sums)."""
    per_sub: dict[tuple[Category, str], Figures] = {}
    for snapshot in snapshots:
        sub_key = (snapshot.category, snapshot.sub_category)
        per_sub[sub_key] = per_sub.get(sub_key, ZERO) + snapshot.figures
    subs = tuple(
        SubCategoryTotal(category=category, sub_category=code, figures=per_sub[(category, code)])
        for category, code in sorted(per_sub)
    )
    return Summary(key=key, figures=total(sub.figures for sub in subs), sub_categories=subs)


def summarize_by(snapshots: Iterable[Snapshot], *, by: str) -> tuple[Summary, list[Summary]]:
    """The tenant total and one summary per division or grid (``by``), sorted by key."""
    if by not in ("division", "grid"):
        raise InvalidInput.of("by", "must be one of: division, grid")
    groups: dict[str, list[Snapshot]] = {}
    everything: list[Snapshot] = []
    for snapshot in snapshots:
        key = snapshot.division_id if by == "division" else snapshot.grid_id
        groups.setdefault(key, []).append(snapshot)
        everything.append(snapshot)
    parts = [summarize(key, groups[key]) for key in sorted(groups)]
    return summarize("tenant", everything), parts


def tenant_today(now: datetime) -> date:
    """The calendar day in the tenant's zone (Asia/Shanghai)."""
    return now.astimezone(TENANT_ZONE).date()
