"""Event categories (事项分类) and their deadline policies (受理/办结时限).

Each tenant keeps its own list; `SEED_TAXONOMY` is what a new tenant starts with (the ten
categories the seed schemes use) and is meant to be edited per tenant later. A deadline is
counted in working days or working hours by a work clock (`events.WorkClockLike`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from shared.errors import InvalidInput


@dataclass(frozen=True)
class Span:
    """A duration on the work clock: whole working days plus working hours."""

    days: int = 0
    hours: Decimal | int = 0

    def __post_init__(self) -> None:
        if self.days < 0 or self.hours < 0:
            raise ValueError("a span is never negative")
        if self.days == 0 and self.hours == 0:
            raise ValueError("a span is never empty")

    def plus(self, *, days: int = 0, hours: Decimal | int = 0) -> Span:
        return Span(days=self.days + days, hours=self.hours + hours)


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long acceptance (受理, from the report) and closure (办结, from acceptance) may take."""

    acceptance: Span
    closure: Span


@dataclass(frozen=True)
class Category:
    code: str
    name: str


DEFAULT_POLICY = DeadlinePolicy(acceptance=Span(days=2), closure=Span(days=7))

SEED_CATEGORIES: tuple[Category, ...] = (
    Category("social_security", "社会治安"),
    Category("public_safety", "公共安全"),
    Category("comprehensive_enforcement", "综合执法"),
    Category("environmental_protection", "环境保护"),
    Category("city_management", "城市管理"),
    Category("livelihood_service", "民生服务"),
    Category("government_service", "政务服务"),
    Category("dispute", "矛盾纠纷"),
    Category("petition", "信访"),
    Category("comprehensive_management", "综合管理"),
)

# Safety matters are accepted within hours; everything else uses the default 2 + 7 days.
SEED_POLICIES: Mapping[str, DeadlinePolicy] = MappingProxyType(
    {
        "public_safety": DeadlinePolicy(acceptance=Span(hours=4), closure=Span(days=3)),
        "social_security": DeadlinePolicy(acceptance=Span(hours=8), closure=Span(days=5)),
    }
)


@dataclass(frozen=True)
class Taxonomy:
    """One tenant's categories and the deadline policy of each (`default` when not listed)."""

    categories: tuple[Category, ...]
    policies: Mapping[str, DeadlinePolicy] = field(default_factory=dict)
    default: DeadlinePolicy = DEFAULT_POLICY

    def __post_init__(self) -> None:
        codes = [category.code for category in self.categories]
        if len(set(codes)) != len(codes):
            raise ValueError("category codes must be unique")
        unknown = set(self.policies) - set(codes)
        if unknown:
            raise ValueError(f"policies for unknown categories: {sorted(unknown)}")

    def category(self, code: str) -> Category:
        """The category with `code`; 422 on `category` when the tenant has none."""
        for category in self.categories:
            if category.code == code:
                return category
        raise InvalidInput.of("category", "is not a category of this tenant")

    def policy_for(self, code: str) -> DeadlinePolicy:
        self.category(code)
        return self.policies.get(code, self.default)


SEED_TAXONOMY = Taxonomy(categories=SEED_CATEGORIES, policies=SEED_POLICIES)
