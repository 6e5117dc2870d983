"""Frame rules: phone numbers checked and normalised, new / changed / unchanged rows, and the
frame frozen by the draw."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.survey.domain import frames as domain
from services.survey.domain.frames import FROZEN_GRID, FROZEN_NEW, Placement
from shared.workbooks import CellError

NOW = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0512-68001234", "0512-68001234"),
        ("(0512)6800123", "0512-6800123"),
        ("010 12345678", "010-12345678"),
        ("02087654321", "020-87654321"),
        ("12812345678", None),
        ("68001234", None),
        ("1381234567", None),
        ("phone", None),
    ],
)
def test_phone_numbers_are_mobiles_or_landlines_with_area_code(
    raw: str, expected: str | None
) -> None:
    assert domain.normalize_phone(raw) == expected


def test_a_phone_cell_typed_as_a_number_is_read() -> None:
    parse = domain.phone()
    assert parse(13812345678.0) == "13812345678"
    with pytest.raises(CellError, match="手机号"):
        parse("12345")


def placement(grid_id: str = "g-1", phone: str = "13812345678") -> Placement:
    return Placement(
        grid_id=grid_id,
        division_id="div-1",
        phone=phone,
        address="人民路1号",
        fingerprint=f"fp:{grid_id}:{phone}",
    )


def place(existing: domain.FrameEntry | None, where: Placement, *, drawn: bool = False):
    return domain.place(
        existing,
        where,
        entry_id="e-new",
        tenant_id="tenant-a",
        campaign_id="c-1",
        household_key="h1:abc",
        sample_drawn=drawn,
        now=NOW,
    )


def test_a_new_household_is_created_and_the_same_row_again_changes_nothing() -> None:
    entry, problems = place(None, placement())
    assert problems == ()
    assert entry is not None
    assert (entry.entry_id, entry.grid_id, entry.phone) == ("e-new", "g-1", "13812345678")
    again, problems = place(entry, placement())
    assert (again, problems) == (None, ())


def test_a_changed_row_updates_the_household_it_names() -> None:
    entry, _ = place(None, placement())
    assert entry is not None
    updated, problems = place(entry, placement(phone="13900000000"))
    assert problems == ()
    assert updated is not None
    assert (updated.entry_id, updated.phone) == ("e-new", "13900000000")


def test_after_the_draw_households_are_corrected_but_not_added_or_moved() -> None:
    entry, _ = place(None, placement())
    assert entry is not None
    assert place(None, placement(), drawn=True) == (None, (FROZEN_NEW,))
    assert place(entry, placement(grid_id="g-2"), drawn=True) == (None, (FROZEN_GRID,))
    corrected, problems = place(entry, placement(phone="13900000000"), drawn=True)
    assert problems == ()
    assert corrected is not None


def test_an_event_entry_has_no_contact_data() -> None:
    entry = domain.event_entry(
        entry_id="e-1",
        tenant_id="tenant-a",
        campaign_id="c-1",
        event_id="ev-1",
        grid_id="g-1",
        division_id=None,
        event_key="h1:ev",
        fingerprint="fp",
        now=NOW,
    )
    assert (entry.phone, entry.address, entry.event_id) == (None, None, "ev-1")
