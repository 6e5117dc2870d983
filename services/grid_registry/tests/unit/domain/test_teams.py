"""Grid teams without I/O: seats, dates, who held a role on a day, the staffing rate."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.grid_registry.domain import teams
from services.grid_registry.domain.teams import TeamModel, TeamRole
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StandInGrid:
    grid_id: str
    division_id: str = "div-1"
    code: str = "G1"
    status: str = "active"


G1 = StandInGrid("g-1", code="G1")


def empty(model: str | None = None, grid: StandInGrid = G1) -> teams.GridTeam:
    return teams.new_team(grid=grid, tenant_id="t-1", model=model)


def assign(team, mid, role, starts, ends=None, *, user="u-1", grid=G1, name="张三"):
    return teams.assign_member(
        team,
        grid=grid,
        membership_id=mid,
        role=role,
        user_id=user,
        person_name=name,
        phone=None,
        starts_on=starts,
        ends_on=ends,
        actor="admin",
        now=NOW,
    )


def test_an_assignment_records_ids_and_dates_never_the_name():
    team, event = assign(empty(), "m-1", "full_time_worker", date(2026, 1, 1), user="u-9")

    assert team.model is TeamModel.ONE_ONE_ONE_N
    assert (event.type, event.membership_id, event.role) == (
        "team.member_assigned",
        "m-1",
        TeamRole.FULL_TIME_WORKER,
    )
    assert (event.grid_id, event.division_id, event.user_id) == ("g-1", "div-1", "u-9")
    assert event.ends_on is None
    assert not hasattr(event, "person_name")
    assert not hasattr(event, "phone")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((date(2026, 1, 1), None), (date(2026, 6, 1), None)),
        ((date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 30), None)),
        ((date(2026, 3, 1), None), (date(2026, 1, 1), date(2026, 3, 1))),
        ((date(2026, 3, 1), date(2026, 3, 1)), (date(2026, 1, 1), None)),
    ],
)
def test_a_single_seat_role_overlapping_an_existing_holder_is_409_naming_it(first, second):
    team, _ = assign(empty(), "m-1", "grid_leader", *first)

    with pytest.raises(StateConflict, match="m-1"):
        assign(team, "m-2", "grid_leader", *second, user="u-2")


def test_a_single_seat_role_can_be_handed_over_the_next_day():
    team, _ = assign(empty(), "m-1", "grid_leader", date(2026, 1, 1), date(2026, 6, 30))
    team, _ = assign(team, "m-2", "grid_leader", date(2026, 7, 1), user="u-2")

    assert [m.membership_id for m in team.holders_on(TeamRole.GRID_LEADER, date(2026, 6, 30))] == [
        "m-1"
    ]
    assert [m.membership_id for m in team.holders_on(TeamRole.GRID_LEADER, date(2026, 7, 1))] == [
        "m-2"
    ]


def test_n_roles_take_any_number_but_not_the_same_user_twice():
    team, _ = assign(empty(), "m-1", "part_time_worker", date(2026, 1, 1), user="u-1")
    team, _ = assign(team, "m-2", "part_time_worker", date(2026, 1, 1), user="u-2")
    team, _ = assign(team, "m-3", "part_time_worker", date(2026, 1, 1), user=None)
    team, _ = assign(team, "m-4", "part_time_worker", date(2026, 1, 1), user=None)

    assert len(team.holders_on(TeamRole.PART_TIME_WORKER, date(2026, 2, 1))) == 4
    with pytest.raises(StateConflict, match="m-1"):
        assign(team, "m-5", "part_time_worker", date(2026, 5, 1), user="u-1")


def test_roles_follow_the_model():
    with pytest.raises(InvalidInput) as raised:
        assign(empty(), "m-1", "police", date(2026, 1, 1))
    assert raised.value.field == "role"

    team, _ = assign(empty("1+4+X"), "m-1", "police", date(2026, 1, 1))
    team, _ = assign(team, "m-2", "volunteer", date(2026, 1, 1), user=None)
    team, _ = assign(team, "m-3", "volunteer", date(2026, 1, 1), user=None)
    with pytest.raises(StateConflict):
        assign(team, "m-4", "police", date(2026, 2, 1), user="u-7")


def test_bad_fields_are_all_named_at_once():
    with pytest.raises(InvalidInput) as raised:
        teams.assign_member(
            empty(),
            grid=G1,
            membership_id="m-1",
            role="mayor",
            user_id="",
            person_name="  ",
            phone="call me",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 31),
            actor="a",
            now=NOW,
        )
    assert [p.field for p in raised.value.problems] == [
        "role",
        "person_name",
        "phone",
        "user_id",
        "ends_on",
    ]


def test_a_retired_grid_takes_no_members():
    retired = StandInGrid("g-1", status="retired")
    with pytest.raises(StateConflict, match="retired"):
        assign(empty(grid=retired), "m-1", "grid_leader", date(2026, 1, 1), grid=retired)


def test_ending_before_the_start_is_422_and_ending_twice_is_409():
    team, _ = assign(empty(), "m-1", "instructor", date(2026, 3, 1))

    with pytest.raises(InvalidInput) as raised:
        teams.end_member(
            team, grid=G1, membership_id="m-1", ends_on=date(2026, 2, 28), actor="a", now=NOW
        )
    assert raised.value.field == "ends_on"

    team, event = teams.end_member(
        team, grid=G1, membership_id="m-1", ends_on=date(2026, 3, 1), actor="a", now=NOW
    )
    assert event.type == "team.member_ended"
    assert event.ends_on == date(2026, 3, 1)
    assert team.membership("m-1").active_on(date(2026, 3, 1))
    assert not team.membership("m-1").active_on(date(2026, 3, 2))
    with pytest.raises(StateConflict, match="already ended"):
        teams.end_member(
            team, grid=G1, membership_id="m-1", ends_on=date(2026, 4, 1), actor="a", now=NOW
        )


def test_correcting_dates_rechecks_the_seat_but_not_against_itself():
    team, _ = assign(empty(), "m-1", "full_time_worker", date(2026, 1, 1), date(2026, 5, 31))
    team, _ = assign(team, "m-2", "full_time_worker", date(2026, 6, 1), user="u-2")

    team, event = teams.change_member(
        team, grid=G1, membership_id="m-1", starts_on=date(2025, 12, 1), actor="a", now=NOW
    )
    assert event.type == "team.member_changed"
    assert team.membership("m-1").starts_on == date(2025, 12, 1)
    with pytest.raises(StateConflict, match="m-2"):
        teams.change_member(team, grid=G1, membership_id="m-1", ends_on=None, actor="a", now=NOW)
    with pytest.raises(InvalidInput) as raised:
        teams.change_member(
            team, grid=G1, membership_id="m-1", ends_on=date(2025, 1, 1), actor="a", now=NOW
        )
    assert raised.value.field == "ends_on"
    # History is kept: both memberships are still there.
    assert [m.membership_id for m in team.memberships] == ["m-1", "m-2"]


def test_who_held_the_role_on_a_date():
    team, _ = assign(empty(), "m-1", "grid_leader", date(2026, 1, 1), date(2026, 4, 30), user="a")
    team, _ = assign(team, "m-2", "grid_leader", date(2026, 5, 1), user="b")
    team, _ = assign(team, "m-3", "full_time_worker", date(2026, 2, 1), user="c")

    on_march = team.members_on(date(2026, 3, 15))
    assert [(m.role, m.user_id) for m in on_march] == [
        (TeamRole.GRID_LEADER, "a"),
        (TeamRole.FULL_TIME_WORKER, "c"),
    ]
    assert [m.user_id for m in team.holders_on(TeamRole.GRID_LEADER, date(2026, 5, 1))] == ["b"]
    assert team.members_on(date(2025, 12, 31)) == []


def test_the_staffing_rate_on_a_past_date_survives_later_changes():
    grids = [StandInGrid(f"g-{n}", code=f"G{n}") for n in range(1, 7)]
    stored = {}
    for grid in grids[:5]:
        team, _ = assign(
            empty(grid=grid), f"m-{grid.grid_id}", "full_time_worker", date(2026, 1, 1), grid=grid
        )
        stored[grid.grid_id] = team
    # G5's worker leaves on 15 December: 30 November still counts him.
    stored["g-5"], _ = teams.end_member(
        stored["g-5"],
        grid=grids[4],
        membership_id="m-g-5",
        ends_on=date(2026, 12, 15),
        actor="a",
        now=NOW,
    )
    # G4's worker ended on 29 November: not staffed on the 30th.
    stored["g-4"], _ = teams.end_member(
        stored["g-4"],
        grid=grids[3],
        membership_id="m-g-4",
        ends_on=date(2026, 11, 29),
        actor="a",
        now=NOW,
    )

    nov30 = teams.staffing_on(
        division_id="div-1", day=date(2026, 11, 30), grids=grids, teams=stored
    )
    dec31 = teams.staffing_on(
        division_id="div-1", day=date(2026, 12, 31), grids=grids, teams=stored
    )

    assert (nov30.grids, nov30.staffed, nov30.rate) == (6, 4, Decimal("0.6667"))
    assert nov30.unstaffed_codes == ("G4", "G6")
    assert (dec31.staffed, dec31.rate) == (3, Decimal("0.5000"))


def test_the_1_4_x_grid_worker_counts_as_full_time_and_no_grids_is_no_rate():
    grid = StandInGrid("g-1")
    team, _ = assign(empty("1+4+X", grid), "m-1", "grid_worker", date(2026, 1, 1), grid=grid)
    staffing = teams.staffing_on(
        division_id="d", day=date(2026, 11, 30), grids=[grid], teams={"g-1": team}
    )
    assert staffing.rate == Decimal("1.0000")
    nothing = teams.staffing_on(division_id="d", day=date(2026, 11, 30), grids=[], teams={})
    assert nothing.rate is None


def test_which_grids_a_user_is_on():
    g2 = StandInGrid("g-2", code="G2")
    t1, _ = assign(empty(), "m-1", "part_time_worker", date(2026, 1, 1), date(2026, 6, 30))
    t2, _ = assign(empty(grid=g2), "m-2", "grid_leader", date(2026, 3, 1), grid=g2)

    assert teams.grids_of_user("u-1", date(2026, 4, 1), [t1, t2]) == ["g-1", "g-2"]
    assert teams.grids_of_user("u-1", date(2026, 7, 1), [t1, t2]) == ["g-2"]
    assert teams.grids_of_user("u-x", date(2026, 4, 1), [t1, t2]) == []


def test_the_model_cannot_drop_a_role_someone_still_holds():
    team, _ = assign(empty(), "m-1", "grid_leader", date(2026, 1, 1), date(2026, 6, 30))
    with pytest.raises(StateConflict, match="m-1"):
        teams.change_model(team, grid=G1, model="1+4+X", today=date(2026, 6, 30))
    assert teams.change_model(team, grid=G1, model="1+4+X", today=date(2026, 7, 1)).model is (
        TeamModel.ONE_FOUR_X
    )
    with pytest.raises(InvalidInput) as raised:
        teams.change_model(team, grid=G1, model="2+2", today=date(2026, 7, 1))
    assert raised.value.field == "model"


def test_today_is_the_shanghai_day():
    assert teams.today_in_tenant(datetime(2026, 11, 29, 16, 30, tzinfo=UTC)) == date(2026, 11, 30)
