"""网格队伍 (grid teams): members by date, assignments, staffing rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView

from services.grid_registry.domain.teams import Membership, Staffing
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
from services.grid_registry.views import READERS, WRITERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, page_schema

blp = Blueprint("teams", __name__, description="网格队伍 (grid teams) and 专职网格员配备率")


@blp.route("/grids/<string:grid_id>/team")
class Team(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, TeamSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], grid_id: str) -> use_cases.TeamOnDay:
        """Who held which role of the grid on ``date`` (default today, Asia/Shanghai)."""
        return use_cases.team_on(context(), grid_id=grid_id, day=query.get("day"))

    @blp.arguments(TeamModelSchema)
    @blp.response(200, TeamSchema)
    @blp.alt_response(409, description="a current member holds a role the new model lacks")
    @require_roles(*WRITERS)
    def patch(self, body: dict[str, Any], grid_id: str) -> use_cases.TeamOnDay:
        """Choose the team's model (1+1+1+N or 1+4+X)."""
        return use_cases.set_model(context(), grid_id=grid_id, model=body["model"])


@blp.route("/grids/<string:grid_id>/team/members")
class TeamMembers(MethodView):
    @blp.arguments(MembershipPageQuerySchema, location="query")
    @blp.response(200, page_schema(MembershipSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, grid_id: str) -> PageResponse[Membership]:
        """Every membership the grid ever had (ended ones included), oldest first."""
        history = use_cases.membership_history(context(), grid_id=grid_id)
        window = history[paging.offset : paging.offset + paging.limit]
        return paging.page_of(window, len(history))

    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MembershipSchema)
    @blp.alt_response(409, description="the single-seat role is held on those dates")
    @require_roles(*WRITERS)
    def post(self, body: dict[str, Any], grid_id: str) -> tuple[Membership, int]:
        """Give someone a role in the grid's team; publishes `team.member_assigned`."""
        member = use_cases.assign_member(context(), grid_id=grid_id, **body)
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
            context(), grid_id=grid_id, membership_id=membership_id, changes=body
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
            context(), grid_id=grid_id, membership_id=membership_id, ends_on=body["ends_on"]
        )


@blp.route("/divisions/<string:division_id>/staffing")
class DivisionStaffing(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, StaffingSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], division_id: str) -> Staffing:
        """专职网格员配备率 of a village/community on ``date`` (seed 000 measures 30 November)."""
        return use_cases.division_staffing(context(), division_id=division_id, day=query.get("day"))


@blp.route("/staffing")
class TenantStaffing(MethodView):
    @blp.arguments(StaffingPageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(StaffingSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, day: date | None = None) -> PageResponse[Staffing]:
        """Every division's staffing rate on ``date``, ordered by division code."""
        found = use_cases.tenant_staffing(
            context(), day=day, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)


@blp.route("/users/<string:user_id>/grids")
class UserGrids(MethodView):
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, UserGridsSchema)
    @require_roles(*READERS)
    def get(self, query: dict[str, Any], user_id: str) -> dict[str, Any]:
        """The grids whose team ``user_id`` is on, on ``date``; others ask only about themselves."""
        ctx = context()
        day = query.get("day") or use_cases.today(ctx)
        grid_ids = use_cases.grids_of_user(ctx, user_id=user_id, day=day)
        return {"user_id": user_id, "date": day, "grid_ids": grid_ids}
