"""12345 work orders: cells per column, the rules across columns, categories by code or name,
callback outcomes, and recording a callback once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.event_intake.domain import hotline as domain
from services.event_intake.domain.hotline import COLUMNS, CallbackResult, Outcome
from services.event_intake.domain.taxonomy import SEED_TAXONOMY
from shared.workbooks import CellError

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
PARSERS = {column.key: column.parse for column in COLUMNS}


def values(**overrides):
    base = {
        "work_order_no": "GD0001",
        "called_at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        "category": "城市管理",
        "title": "井盖缺失",
        "description": "人民路12号井盖缺失",
        "grid_code": "G01",
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def problems(**overrides):
    order, found = domain.work_order(values(**overrides), taxonomy=SEED_TAXONOMY, now=NOW)
    assert order is None
    return {(problem.column, problem.reason.split(" / ")[0]) for problem in found}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-02 09:00", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        ("2026/3/2 9:00:30", datetime(2026, 3, 2, 1, 0, 30, tzinfo=UTC)),
        ("2026年03月02日 09:00", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00+08:00", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        ("2026-03-02T01:00:00Z", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),  # noqa: DTZ001
    ],
)
def test_call_times_are_shanghai_wall_time_unless_they_say_otherwise(raw, expected) -> None:
    parsed = PARSERS["called_at"](raw)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("raw", ["2026-03-02", "yesterday", "2026-13-02 09:00", "45000"])
def test_a_call_time_needs_a_date_and_a_time(raw) -> None:
    with pytest.raises(CellError, match="日期时间"):
        PARSERS["called_at"](raw)


def test_cells_are_checked_per_column() -> None:
    assert PARSERS["work_order_no"](20260302001.0) == "20260302001"
    with pytest.raises(CellError):
        PARSERS["work_order_no"]("x" * 65)
    assert PARSERS["description"]("第一行\n第二行") == "第一行\n第二行"
    with pytest.raises(CellError):
        PARSERS["title"]("第一行\n第二行")
    with pytest.raises(CellError):
        PARSERS["description"]("bad\x07bell")
    assert PARSERS["lon"]("120.005") == pytest.approx(120.005)
    for column, raw in (("lon", "181"), ("lat", "-90.5"), ("lat", "north"), ("lon", "NaN")):
        with pytest.raises(CellError):
            PARSERS[column](raw)


@pytest.mark.parametrize(
    ("label", "outcome"),
    [
        ("满意", "satisfied"),
        ("基本满意", "basically_satisfied"),
        ("不满意", "unsatisfied"),
        ("未接通", "unreachable"),
        ("联系不上", "unreachable"),
        ("unsatisfied", "unsatisfied"),
    ],
)
def test_callback_outcomes_map_from_their_chinese_labels(label, outcome) -> None:
    assert PARSERS["outcome"](label) == outcome


def test_an_unknown_callback_outcome_names_the_choices() -> None:
    with pytest.raises(CellError, match="满意、基本满意、不满意"):
        PARSERS["outcome"]("非常满意")


@pytest.mark.parametrize("given", ["city_management", "城市管理", " 城市管理 "])
def test_a_category_is_found_by_code_or_chinese_name(given) -> None:
    assert domain.resolve_category(given, SEED_TAXONOMY) == "city_management"


def test_an_unknown_category_is_a_problem_on_its_column() -> None:
    assert problems(category="城管") == {
        (
            "诉求分类",
            "不是本辖区的诉求分类（可选：社会治安、公共安全、综合执法、环境保护、城市管理、民生服务、政务服务、矛盾纠纷、信访、综合管理）",
        )
    }


def test_a_good_row_becomes_a_work_order() -> None:
    order, found = domain.work_order(
        values(
            grid_code=None,
            lon=120.005,
            lat=31.705,
            outcome="satisfied",
            callback_at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC),
        ),
        taxonomy=SEED_TAXONOMY,
        now=NOW,
    )
    assert found == ()
    assert order is not None
    assert order.category == "city_management"
    assert order.position_mapping() == {"lon": 120.005, "lat": 31.705}
    assert order.callback == CallbackResult(
        Outcome.SATISFIED, datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    )


def test_without_a_title_the_content_gives_one() -> None:
    content = "市民反映" + "很长的内容" * 20
    order, _ = domain.work_order(
        values(title=None, description=content), taxonomy=SEED_TAXONOMY, now=NOW
    )
    assert order is not None
    assert order.title == content[: domain.DERIVED_TITLE_MAX]
    assert problems(title=None, description=None) == {("诉求标题", "诉求标题或诉求内容必填其一")}


def test_the_rules_across_columns_name_their_column() -> None:
    assert problems(called_at=datetime(2026, 3, 11, tzinfo=UTC)) == {("来电时间", "不能晚于现在")}
    assert problems(grid_code=None) == {("网格编码", "须填写网格编码或经纬度")}
    assert problems(grid_code=None, lon=120.0) == {("纬度", "经度与纬度须同时填写")}
    assert problems(lat=31.0) == {("经度", "经度与纬度须同时填写")}
    assert problems(outcome="satisfied") == {("回访时间", "填写了回访结果，须填写回访时间")}
    assert problems(callback_at=NOW) == {("回访结果", "填写了回访时间，须填写回访结果")}
    before = datetime(2026, 3, 1, tzinfo=UTC)
    assert problems(outcome="satisfied", callback_at=before) == {("回访时间", "不能早于来电时间")}
    later = datetime(2026, 3, 11, tzinfo=UTC)
    assert problems(outcome="satisfied", callback_at=later) == {("回访时间", "不能晚于现在")}


FACTS = domain.EventFacts(
    event_id="e-1",
    grid_id="g-1",
    division_id="div-1",
    category="city_management",
    reported_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
)


def record(current, outcome, at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC)):
    return domain.record_callback(
        current,
        tenant_id="tenant-a",
        work_order_no="GD0001",
        event=FACTS,
        result=CallbackResult(Outcome(outcome), at),
        now=NOW,
    )


def test_a_callback_is_recorded_once_and_again_only_when_its_outcome_changes() -> None:
    first, recorded = record(None, "unreachable")
    assert recorded is not None
    assert recorded.type == "hotline.callback_recorded"
    assert recorded.aggregate_id == "e-1"
    assert recorded.payload() == {
        "work_order_no": "GD0001",
        "event_id": "e-1",
        "grid_id": "g-1",
        "division_id": "div-1",
        "category": "city_management",
        "outcome": "unreachable",
        "called_at": "2026-03-03T02:00:00+00:00",
        "reported_at": "2026-03-02T01:00:00+00:00",
    }
    same, nothing = record(first, "unreachable", datetime(2026, 3, 4, tzinfo=UTC))
    assert nothing is None
    assert same == first
    changed, again = record(first, "satisfied", datetime(2026, 3, 4, tzinfo=UTC))
    assert again is not None
    assert changed.outcome is Outcome.SATISFIED
    assert changed.recordings == 2
    assert again.payload()["called_at"] == "2026-03-04T00:00:00+00:00"
