from datetime import UTC, datetime

import pytest

from services.grid_registry.domain.divisions import DivisionKind, register_division, update_division
from shared.errors import InvalidInput

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def register(**overrides):
    args = {
        "division_id": "d-1",
        "tenant_id": "t-1",
        "code": "A-V01",
        "name": "东风村",
        "kind": "village",
        "actor": "u-1",
        "now": NOW,
    } | overrides
    return register_division(**args)


def test_a_division_records_its_creation():
    division, event = register(code="  A-V01 ", name=" 东风村 ")

    assert division.code == "A-V01"
    assert division.name == "东风村"
    assert division.kind is DivisionKind.VILLAGE
    assert (event.type, event.version) == ("division.created", 1)
    assert event.division_id == division.division_id
    assert event.occurred_at == NOW
    assert event.created_by == "u-1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", ""),
        ("code", "-leading-dash"),
        ("code", "x" * 33),
        ("code", "空格 code"),
        ("name", "   "),
        ("name", "村" * 65),
        ("kind", "township"),
    ],
)
def test_invalid_divisions_name_the_field(field, value):
    with pytest.raises(InvalidInput) as raised:
        register(**{field: value})
    assert raised.value.field == field


def test_a_naive_clock_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        register(now=datetime(2026, 11, 22, 8, 0))  # noqa: DTZ001 - the point of the test


def test_an_update_records_the_new_name_and_kind():
    division, _ = register()
    updated, event = update_division(
        division, name=" 东风社区 ", kind="community", actor="u-2", now=NOW
    )
    assert (updated.name, updated.kind) == ("东风社区", DivisionKind.COMMUNITY)
    assert (event.type, event.code, event.updated_by) == ("division.updated", "A-V01", "u-2")


def test_an_update_without_changes_records_nothing():
    division, _ = register()
    same, event = update_division(division, name="东风村", kind="village", actor="u-2", now=NOW)
    assert (same, event) == (division, None)


def test_an_invalid_update_names_the_field():
    division, _ = register()
    with pytest.raises(InvalidInput) as raised:
        update_division(division, name="", kind="village", actor="u-2", now=NOW)
    assert raised.value.field == "name"
