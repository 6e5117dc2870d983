from __future__ import annotations

from decimal import Decimal

import pytest

from services.event_intake.domain.taxonomy import (
    DEFAULT_POLICY,
    SEED_TAXONOMY,
    Category,
    DeadlinePolicy,
    Span,
    Taxonomy,
)
from shared.errors import InvalidInput


def test_the_seed_has_the_ten_categories() -> None:
    names = {category.name for category in SEED_TAXONOMY.categories}
    assert names == {
        "社会治安",
        "公共安全",
        "综合执法",
        "环境保护",
        "城市管理",
        "民生服务",
        "政务服务",
        "矛盾纠纷",
        "信访",
        "综合管理",
    }


def test_policies_default_to_two_and_seven_working_days() -> None:
    assert SEED_TAXONOMY.policy_for("city_management") == DEFAULT_POLICY
    assert DeadlinePolicy(acceptance=Span(days=2), closure=Span(days=7)) == DEFAULT_POLICY
    assert SEED_TAXONOMY.policy_for("public_safety").acceptance == Span(hours=4)


def test_an_unknown_category_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        SEED_TAXONOMY.policy_for("weather")
    assert caught.value.field == "category"


def test_a_taxonomy_is_consistent() -> None:
    with pytest.raises(ValueError, match="unique"):
        Taxonomy(categories=(Category("a", "甲"), Category("a", "乙")))
    with pytest.raises(ValueError, match="unknown"):
        Taxonomy(categories=(Category("a", "甲"),), policies={"b": DEFAULT_POLICY})


def test_spans() -> None:
    assert Span(days=1).plus(hours=Decimal("1.5")) == Span(days=1, hours=Decimal("1.5"))
    for bad in ({"days": -1}, {}):
        with pytest.raises(ValueError, match="span"):
            Span(**bad)
