"""Contracts published by the identity service about people, on `Topic.IDENTITY_USERS`.

Every user event carries the same payload: ids, roles and the enabled flag after the change,
and who made it. Names, phones and emails never leave identity (personal data).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

USER_INVITED = "user.invited"
USER_UPDATED = "user.updated"
USER_ROLES_CHANGED = "user.roles_changed"
USER_DISABLED = "user.disabled"
USER_ENABLED = "user.enabled"

TENANT_ROLES = (
    "tenant-admin",
    "center-staff",
    "inspector",
    "grid-leader",
    "grid-worker",
    "grid-instructor",
)


class UserStateV1(Schema):
    """A person's state after the event; the envelope's tenant_id is the person's tenant."""

    user_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    username = fields.String(required=True, validate=validate.Length(min=1, max=255))
    roles = fields.List(fields.String(validate=validate.OneOf(TENANT_ROLES)), required=True)
    enabled = fields.Boolean(required=True)
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))


@register(USER_INVITED, 1, Topic.IDENTITY_USERS)
class UserInvitedV1(UserStateV1):
    """A person got an account in the tenant (invited, imported or adopted from Keycloak)."""


@register(USER_UPDATED, 1, Topic.IDENTITY_USERS)
class UserUpdatedV1(UserStateV1):
    """A person's profile changed (what changed stays in identity: it is personal data)."""


@register(USER_ROLES_CHANGED, 1, Topic.IDENTITY_USERS)
class UserRolesChangedV1(UserStateV1):
    """A person's roles are now exactly ``roles``."""


@register(USER_DISABLED, 1, Topic.IDENTITY_USERS)
class UserDisabledV1(UserStateV1):
    """A person can no longer log in."""


@register(USER_ENABLED, 1, Topic.IDENTITY_USERS)
class UserEnabledV1(UserStateV1):
    """A person can log in again."""
