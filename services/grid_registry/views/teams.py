"""网格队伍 (grid teams): members by date, assignments, staffing rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView

from services.grid_registry.domain.teams import Membership, Staffing
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.grids import GridRepository
from services.grid_registry.repository.teams import TeamRepository
from services.grid_registry.schemas.teams import (
    DayQuerySchema,
    MembershipChangeSchema,
    MembershipCreateSchema,
    MembershipEndSchema,
    MembershipPageQuerySchema,
    MembershipSchema,
    StaffingPageQuerySchema,
    StaffingSchema,
    TeamModelSchema,
    TeamSchema,
    UserGridsSchema,
)
from services.grid_registry.use_cases import teams as use_cases
from services.grid_registry.views import READERS, WRITERS
from shared.auth import PermissionDenied, current_principal, current_tenant_id, require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("teams", __name__, description="网格队伍 (grid teams) and 专职网格员配备率")


def _teams() -> TeamRepository:
    return TeamRepository(current_tenant_id())


def _grids() -> GridRepository:
    return GridRepository(current_tenant_id())


def _divisions() -> DivisionRepository:
    return DivisionRepository(current_tenant_id())


@blp.route("/grids/<string:grid_id>/team")
class Team(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, TeamSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], grid_id: str) -> use_cases.TeamOnDay:
        """Who held which role of the grid on ``date`` (default today, Asia/Shanghai)."""
        day = query.get("day") or use_cases.today()
        return use_cases.team_on(teams=_teams(), grids=_grids(), grid_id=grid_id, day=day)

    @blp.arguments(TeamModelSchema)
    @blp.response(200, TeamSchema)
    @blp.alt_response(409, description="a current member holds a role the new model lacks")
    @require_roles(*WRITERS)
    def patch(self, body: dict[str, Any], grid_id: str) -> use_cases.TeamOnDay:
        """Choose the team's model (1+1+1+N or 1+4+X)."""
        return use_cases.set_model(
            teams=_teams(), grids=_grids(), grid_id=grid_id, model=body["model"]
        )


@blp.route("/grids/<string:grid_id>/team/members")
class TeamMembers(MethodView):
    @blp.arguments(MembershipPageQuerySchema, location="query")
    @blp.response(200, page_schema(MembershipSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, grid_id: str) -> PageResponse[Membership]:
        """Every membership the grid ever had (ended ones included), oldest first."""
        history = use_cases.membership_history(teams=_teams(), grids=_grids(), grid_id=grid_id)
        window = history[paging.offset : paging.offset + paging.limit]
        return paging.page_of(window, len(history))

    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MembershipSchema)
    @blp.alt_response(409, description="the single-seat role is held on those dates")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], grid_id: str) -> tuple[Membership, int]:
        """Give someone a role in the grid's team; publishes `team.member_assigned`."""
        member = use_cases.assign_member(
            teams=_teams(),
            grids=_grids(),
            grid_id=grid_id,
            actor=current_principal().subject,
            correlation_id=g.request_id,
            **body,
        )
        return member, 201


@blp.route("/grids/<string:grid_id>/team/members/<string:membership_id>")
class TeamMember(MethodView):
    @blp.arguments(MembershipChangeSchema)
    @blp.response(200, MembershipSchema)
    @blp.alt_response(409, description="the corrected dates overlap another holder")
    @require_roles(*WRITERS)
    def patch(self, body: dict[str, Any], grid_id: str, membership_id: str) -> Membership:
        """Correct a membership's dates or person; publishes `team.member_changed`."""
        return use_cases.change_member(
            teams=_teams(),
            grids=_grids(),
            grid_id=grid_id,
            membership_id=membership_id,
            actor=current_principal().subject,
            changes=body,
            correlation_id=g.request_id,
        )


@blp.route("/grids/<string:grid_id>/team/members/<string:membership_id>/end")
class TeamMemberEnd(MethodView):
    @blp.arguments(MembershipEndSchema)
    @blp.response(200, MembershipSchema)
    @blp.alt_response(409, description="the membership already ended")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], grid_id: str, membership_id: str) -> Membership:
        """End a membership on ``ends_on`` (inclusive); publishes `team.member_ended`."""
        return use_cases.end_member(
            teams=_teams(),
            grids=_grids(),
            grid_id=grid_id,
            membership_id=membership_id,
            ends_on=body["ends_on"],
            actor=current_principal().subject,
            correlation_id=g.request_id,
        )


@blp.route("/divisions/<string:division_id>/staffing")
class DivisionStaffing(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, StaffingSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], division_id: str) -> Staffing:
        """专职网格员配备率 of a village/community on ``date`` (seed 000 measures 30 November)."""
        return use_cases.division_staffing(
            teams=_teams(),
            grids=_grids(),
            divisions=_divisions(),
            division_id=division_id,
            day=query.get("day") or use_cases.today(),
        )


@blp.route("/staffing")
class TenantStaffing(MethodView):
    @blp.arguments(StaffingPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(StaffingSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, day: date | None = None) -> PageResponse[Staffing]:
        """Every division's staffing rate on ``date``, ordered by division code."""
        found = use_cases.tenant_staffing(
            teams=_teams(),
            grids=_grids(),
            divisions=_divisions(),
            day=day or use_cases.today(),
            offset=paging.offset,
            limit=paging.limit,
        )
        return paging.page_of(found.items, found.total)


@blp.route("/users/<string:user_id>/grids")
class UserGrids(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, UserGridsSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], user_id: str) -> dict[str, Any]:
        """The grids whose team ``user_id`` is on, on ``date``; others ask only about themselves."""
        principal = current_principal()
        if user_id != principal.subject and not principal.has_any_role(*WRITERS):
            raise PermissionDenied("only the tenant centre may ask about another user")
        day = query.get("day") or use_cases.today()
        grid_ids = use_cases.grids_of_user(teams=_teams(), user_id=user_id, day=day)
        return {"user_id": user_id, "date": day, "grid_ids": grid_ids}
