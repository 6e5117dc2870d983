from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.grid_registry.domain import base_info as domain
from shared.errors import InvalidInput

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
FLOATING = domain.SubCategory(domain.Category.POPULATION, "floating", "流动人口", custom=False)


def record(previous=None, **overrides):
    args = {
        "snapshot_id": "s-1",
        "tenant_id": "t-1",
        "grid_id": "g-1",
        "division_id": "d-1",
        "sub_category": FLOATING,
        "as_of": date(2026, 11, 20),
        "expected": 200,
        "collected": 193,
        "verified": 150,
        "previous": previous,
        "actor": "u-1",
        "now": NOW,
    } | overrides
    return domain.record_figures(**args)


def test_rates_are_four_place_strings_of_the_ratios():
    figures = domain.Figures(expected=200, collected=193, verified=150)
    assert str(figures.collection_rate) == "0.9650"
    assert str(figures.verification_rate) == "0.7772"


def test_nothing_expected_and_nothing_collected_is_a_full_rate():
    figures = domain.Figures(expected=0, collected=0, verified=0)
    assert (str(figures.collection_rate), str(figures.verification_rate)) == ("1.0000", "1.0000")


def test_over_collection_is_allowed_and_rates_above_one():
    snapshot, event = record(expected=10, collected=12, verified=12)
    assert snapshot.figures.collection_rate == Decimal("1.2000")
    assert event is not None


def test_verified_above_collected_names_verified():
    with pytest.raises(InvalidInput) as raised:
        record(collected=5, verified=6)
    assert [p.field for p in raised.value.problems] == ["verified"]


def test_negative_figures_are_all_reported():
    with pytest.raises(InvalidInput) as raised:
        record(expected=-1, collected=-2)
    assert [p.field for p in raised.value.problems] == ["expected", "collected"]


def test_a_future_statistics_date_is_rejected_in_tenant_time():
    # 2026-11-22 08:00 UTC is already 16:00 in Shanghai: the 22nd is today, the 23rd is not.
    record(as_of=date(2026, 11, 22))
    with pytest.raises(InvalidInput) as raised:
        record(as_of=date(2026, 11, 23))
    assert raised.value.field == "as_of"


def test_recording_the_same_date_again_replaces_it_and_says_so():
    first, _ = record()
    second, event = record(previous=first, collected=199, snapshot_id="s-2")
    assert second.snapshot_id == "s-1"
    assert event is not None
    assert event.replaced
    assert second.figures.collected == 199


def test_the_same_figures_again_record_nothing():
    first, _ = record()
    again, event = record(previous=first, snapshot_id="s-2")
    assert event is None
    assert again == first


def snap(grid, as_of, collected, *, division="d-1", sub="floating", expected=100):
    return domain.Snapshot(
        snapshot_id=f"{grid}-{sub}-{as_of}",
        tenant_id="t-1",
        grid_id=grid,
        division_id=division,
        category=domain.Category.POPULATION,
        sub_category=sub,
        as_of=as_of,
        figures=domain.Figures(expected=expected, collected=collected, verified=0),
        recorded_at=NOW,
        recorded_by="u-1",
    )


def test_latest_takes_the_last_snapshot_on_or_before_the_day():
    history = [
        snap("g-1", date(2026, 10, 1), 50),
        snap("g-1", date(2026, 11, 1), 80),
        snap("g-1", date(2026, 12, 1), 99),
        snap("g-2", date(2026, 12, 1), 10),
    ]
    chosen = domain.latest(history, date(2026, 11, 15))
    assert [(s.grid_id, s.figures.collected) for s in chosen] == [("g-1", 80)]


def test_sums_recompute_rates_instead_of_averaging_them():
    # 1/1 and 0/99: the average of rates would be 0.5, the rate of sums is 0.01.
    snaps = [
        snap("g-1", date(2026, 11, 1), 1, expected=1),
        snap("g-2", date(2026, 11, 1), 0, expected=99, division="d-2"),
    ]
    tenant, by_division = domain.summarize_by(snaps, by="division")
    assert str(tenant.figures.collection_rate) == "0.0100"
    assert [(s.key, str(s.figures.collection_rate)) for s in by_division] == [
        ("d-1", "1.0000"),
        ("d-2", "0.0000"),
    ]
    assert tenant.sub_categories[0].figures.expected == 100


def test_summaries_group_by_grid_or_reject_other_groupings():
    _, by_grid = domain.summarize_by([snap("g-2", date(2026, 11, 1), 1)], by="grid")
    assert [s.key for s in by_grid] == ["g-2"]
    with pytest.raises(InvalidInput) as raised:
        domain.summarize_by([], by="town")
    assert raised.value.field == "by"


def test_a_tenant_sub_category_needs_a_free_code_and_label():
    catalogue = domain.default_sub_categories()
    sub = domain.add_sub_category(
        category="service_target", code="veteran", label="退役军人", existing=catalogue
    )
    assert (sub.category, sub.custom) == (domain.Category.SERVICE_TARGET, True)
    with pytest.raises(InvalidInput) as raised:
        domain.add_sub_category(
            category="population", code="floating", label="流动人口", existing=catalogue
        )
    assert [p.field for p in raised.value.problems] == ["sub_category", "label"]
    with pytest.raises(InvalidInput) as raised:
        domain.add_sub_category(category="castle", code="x", label="x", existing=catalogue)
    assert raised.value.field == "category"


def test_sub_categories_resolve_by_code_or_chinese_label():
    catalogue = domain.default_sub_categories()
    by_label = domain.resolve_sub_category(domain.Category.POPULATION, "流动人口", catalogue)
    assert by_label.code == "floating"
    assert domain.parse_category("实有人口") is domain.Category.POPULATION
    with pytest.raises(InvalidInput):
        domain.resolve_sub_category(domain.Category.RENTAL, "floating", catalogue)
