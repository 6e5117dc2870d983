"""Grid team contracts published by grid_registry (网格队伍): ids, roles and dates only."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

TEAM_MEMBER_ASSIGNED = "team.member_assigned"
TEAM_MEMBER_CHANGED = "team.member_changed"
TEAM_MEMBER_ENDED = "team.member_ended"
TEAM_ROLES = (
    "grid_leader",
    "full_time_worker",
    "instructor",
    "part_time_worker",
    "grid_worker",
    "supervisor",
    "police",
    "firefighter",
    "monitor",
    "volunteer",
)
TEAM_MODELS = ("1+1+1+N", "1+4+X")


class _MembershipV1(Schema):
    """A membership as it stands after the change; never the person's name or phone."""

    membership_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(TEAM_ROLES))
    # Volunteers may have no login, hence null.
    user_id = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=64))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, allow_none=True)
    model = fields.String(required=True, validate=validate.OneOf(TEAM_MODELS))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))


@register(TEAM_MEMBER_ASSIGNED, 1, Topic.REGISTRY_TEAMS)
class TeamMemberAssignedV1(_MembershipV1):
    """Someone was given a role in a grid's team from ``starts_on`` (to ``ends_on``, inclusive)."""


@register(TEAM_MEMBER_CHANGED, 1, Topic.REGISTRY_TEAMS)
class TeamMemberChangedV1(_MembershipV1):
    """A membership's dates or person were corrected; consumers replace what they held."""


@register(TEAM_MEMBER_ENDED, 1, Topic.REGISTRY_TEAMS)
class TeamMemberEndedV1(_MembershipV1):
    """A membership got its last day (``ends_on``, inclusive)."""
