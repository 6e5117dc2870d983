"""Key subjects without I/O: ID numbers, default cycles, field rules, visibility, events."""

from dataclasses import dataclass, fields
from datetime import UTC, datetime

import pytest

from services.grid_registry.domain import subjects
from services.grid_registry.domain.subjects import SubjectStatus, VisitCycle
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StandInGrid:
    grid_id: str
    division_id: str = "div-1"
    status: str = "active"


G1 = StandInGrid("g-1")
G2 = StandInGrid("g-2", division_id="div-2")


def register(category="key_person", grid=G1, **data):
    data.setdefault("name", "李四")
    return subjects.register_subject(
        subject_id="s-1",
        tenant_id="t-1",
        grid=grid,
        category=category,
        data=data,
        actor="u-1",
        now=NOW,
    )


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 330106198503151238 ", "330106198503151238"),
        ("440304200002295675", "440304200002295675"),
        ("510108197801010013", "510108197801010013"),
    ],
)
def test_valid_resident_id_numbers(raw, normalised):
    assert subjects.normalise_id_number(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11010519491231002", "17 digits"),  # 17 characters
        ("11010519491231002X1", "17 digits"),  # 19 characters
        ("1101051949123100XX", "17 digits"),  # X inside
        ("110105194912310021", "check character"),  # wrong check digit
        ("330106198503151239", "check character"),
        ("440304200102295675", "birth date"),  # 2001-02-29 does not exist
        ("510108197813010013", "birth date"),  # month 13
        ("510108180001010013", "birth date"),  # before 1900
    ],
)
def test_invalid_resident_id_numbers_name_the_field(raw, reason):
    with pytest.raises(InvalidInput, match=reason) as raised:
        subjects.normalise_id_number(raw)
    assert raised.value.field == "id_number"


def test_a_subject_holds_the_normalised_number_and_no_digest_of_it():
    # Tags for duplicates are keyed and made by the repository (ADR 13), never in the domain.
    subject, _ = register(id_number="11010519491231002x")
    assert subject.id_number == "11010519491231002X"
    assert not any("sha256" in f.name or "digest" in f.name for f in fields(subject))


@pytest.mark.parametrize(
    ("category", "cycle"),
    [
        ("hazard_place", VisitCycle.DAILY),
        ("key_person", VisitCycle.WEEKLY),
        ("special_group", VisitCycle.MONTHLY),
        ("care_recipient", VisitCycle.MONTHLY),
    ],
)
def test_visit_cycles_default_per_seed_001(category, cycle):
    subject, event = register(category)
    assert subject.visit_cycle is cycle
    assert event.visit_cycle is cycle


def test_the_cycle_can_be_overridden_and_reset_to_the_default():
    subject, _ = register("care_recipient", visit_cycle="weekly")
    assert subject.visit_cycle is VisitCycle.WEEKLY
    reset, _ = subjects.update_subject(subject, changes={"visit_cycle": None}, actor="u-1", now=NOW)
    assert reset.visit_cycle is VisitCycle.MONTHLY


def test_person_and_place_fields_do_not_mix_and_all_problems_are_named():
    with pytest.raises(InvalidInput) as raised:
        register(
            "hazard_place", gender="male", id_number="x", name="", location={"lon": 200, "lat": 1}
        )
    assert {p.field for p in raised.value.problems} == {
        "gender",
        "id_number",
        "name",
        "location.lon",
    }
    with pytest.raises(InvalidInput) as person:
        register("key_person", contact_person="王五", gender="other")
    assert {p.field for p in person.value.problems} == {"contact_person", "gender"}
    with pytest.raises(InvalidInput) as unknown:
        register("castle")
    assert unknown.value.field == "category"


def test_events_carry_no_personal_data():
    _, event = register(
        id_number="11010519491231002X",
        phone="13800000000",
        address="幸福路1号",
        location={"lon": 120.1, "lat": 30.2},
        sub_category="社区矫正人员",
    )
    names = {f.name for f in fields(event)}
    assert names.isdisjoint({"name", "id_number", "phone", "address", "notes"})
    for secret in ("11010519491231002X", "13800000000", "幸福路"):
        assert secret not in str(event.payload())
    assert (event.type, event.subject_id, event.grid_id, event.division_id) == (
        "subject.registered",
        "s-1",
        "g-1",
        "div-1",
    )
    assert event.location == subjects.Location(lon=120.1, lat=30.2)


def test_moving_keeps_history_and_archiving_is_final():
    subject, _ = register()
    moved, event = subjects.move_subject(subject, grid=G2, actor="u-2", now=NOW)
    assert (moved.grid_id, moved.division_id) == ("g-2", "div-2")
    assert [(m.from_grid_id, m.to_grid_id) for m in moved.moves] == [("g-1", "g-2")]
    assert (event.type, event.previous_grid_id) == ("subject.moved", "g-1")
    with pytest.raises(StateConflict, match="already in grid"):
        subjects.move_subject(moved, grid=G2, actor="u-2", now=NOW)
    with pytest.raises(StateConflict, match="retired"):
        subjects.move_subject(moved, grid=StandInGrid("g-3", status="retired"), actor="u", now=NOW)

    with pytest.raises(InvalidInput) as raised:
        subjects.archive_subject(moved, reason="  ", actor="u-2", now=NOW)
    assert raised.value.field == "reason"
    archived, event = subjects.archive_subject(moved, reason="已迁出", actor="u-2", now=NOW)
    assert archived.status is SubjectStatus.ARCHIVED
    assert (event.type, event.status) == ("subject.archived", SubjectStatus.ARCHIVED)
    for change in (
        lambda: subjects.archive_subject(archived, reason="again", actor="u", now=NOW),
        lambda: subjects.update_subject(archived, changes={"notes": "x"}, actor="u", now=NOW),
        lambda: subjects.move_subject(archived, grid=G1, actor="u", now=NOW),
    ):
        with pytest.raises(StateConflict, match="archived"):
            change()


def test_a_retired_grid_takes_no_new_subjects():
    with pytest.raises(StateConflict):
        register(grid=StandInGrid("g-9", status="retired"))


@pytest.mark.parametrize(
    ("roles", "team_grids", "grid", "visible"),
    [
        ({"tenant-admin"}, (), "g-1", True),
        ({"center-staff"}, (), "g-2", True),
        ({"grid-worker"}, ("g-1",), "g-1", True),
        ({"grid-worker"}, ("g-1",), "g-2", False),
        ({"grid-leader"}, (), "g-1", False),
        ({"inspector"}, (), "g-1", False),
        ({"inspector"}, ("g-2",), "g-2", True),
        ({"grid-instructor", "center-staff"}, (), "g-7", True),
    ],
)
def test_who_sees_a_subject(roles, team_grids, grid, visible):
    viewer = subjects.viewer_of("u-1", roles, team_grids)
    assert viewer.may_see(grid) is visible


def test_list_restriction_follows_the_viewer():
    assert subjects.viewer_of("a", {"tenant-admin"}, ()).grid_filter() is None
    assert subjects.viewer_of("w", {"grid-worker"}, ("g-1",)).grid_filter() == {"g-1"}
    assert subjects.viewer_of("i", {"inspector"}, ()).grid_filter() == frozenset()
