"""人员 (people) and 角色 (roles): the tenant's directory, roster import, who can do what."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import url_for
from flask.views import MethodView

from services.identity.domain.users import RoleInfo, User
from services.identity.schemas.users import (
    InvitedUserSchema,
    PasswordResetSchema,
    RoleInfoSchema,
    RolesSchema,
    RosterFileSchema,
    RosterQuerySchema,
    RosterReportSchema,
    UserInviteSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from services.identity.use_cases import roster
from services.identity.use_cases import users as use_cases
from services.identity.views import context, identity_provider
from shared.auth import Role, require_roles
from shared.http import Blueprint, PageQuerySchema, PageRequest, PageResponse, accepts, page_schema

blp = Blueprint("users", __name__, url_prefix="/users", description="人员 (people)")
roles_blp = Blueprint("roles", __name__, url_prefix="/roles", description="角色 (roles)")

ADMINS = (Role.TENANT_ADMIN,)


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(UserSchema))
    @require_roles(*ADMINS)
    def get(
        self,
        paging: PageRequest,
        role: str | None = None,
        enabled: bool | None = None,
        q: str | None = None,
    ) -> PageResponse[User]:
        """List the tenant's people by username; filter by role, enabled, name or username."""
        found = use_cases.list_users(
            context(), offset=paging.offset, limit=paging.limit, role=role, enabled=enabled, q=q
        )
        return paging.page_of(found.items, found.total)

    @blp.arguments(UserInviteSchema)
    @blp.response(201, InvitedUserSchema)
    @blp.alt_response(409, description="the tenant already has a person with this username")
    @require_roles(*ADMINS)
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Invite a person: Keycloak account with a temporary password (shown once here) and
        the login name to pass on with it."""
        user, password = use_cases.invite_user(context(), provider=identity_provider(), **body)
        location = url_for("users.UserById", user_id=user.user_id)
        answer = {"user": user, "login": user.login, "temporary_password": password}
        return answer, 201, {"Location": location}


@blp.route("/import")
class RosterImport(MethodView):
    @blp.arguments(RosterQuerySchema, location="query")
    @blp.arguments(RosterFileSchema, location="files")
    @blp.response(200, RosterReportSchema)
    @accepts("multipart/form-data")
    @require_roles(*ADMINS)
    def post(self, query: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        """Import a roster workbook (网格员花名册); ``dry_run=true`` judges and writes nothing."""
        result = roster.import_roster(
            context(),
            provider=identity_provider(),
            data=files["file"].read(),
            dry_run=query["dry_run"],
        )
        return {
            **result.report.as_dict(),
            "temporary_passwords": [asdict(issued) for issued in result.passwords],
        }


@blp.route("/<string:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @require_roles(*ADMINS)
    def get(self, user_id: str) -> User:
        """One person of the tenant; 404 for anyone else's."""
        return use_cases.get_user(context(), user_id=user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @require_roles(*ADMINS)
    def patch(self, body: dict[str, Any], user_id: str) -> User:
        """Change a person's name, email or phone."""
        return use_cases.update_user(
            context(), provider=identity_provider(), user_id=user_id, **body
        )


@blp.route("/<string:user_id>/disable")
class DisableUser(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(409, description="already disabled, or the caller's own account")
    @require_roles(*ADMINS)
    def post(self, user_id: str) -> User:
        """Stop a person from logging in."""
        return use_cases.disable_user(context(), provider=identity_provider(), user_id=user_id)


@blp.route("/<string:user_id>/enable")
class EnableUser(MethodView):
    @blp.response(200, UserSchema)
    @blp.alt_response(409, description="already enabled")
    @require_roles(*ADMINS)
    def post(self, user_id: str) -> User:
        """Let a disabled person log in again."""
        return use_cases.enable_user(context(), provider=identity_provider(), user_id=user_id)


@blp.route("/<string:user_id>/roles")
class UserRoles(MethodView):
    @blp.arguments(RolesSchema)
    @blp.response(200, UserSchema)
    @require_roles(*ADMINS)
    def put(self, body: dict[str, Any], user_id: str) -> User:
        """Make a person's roles exactly these (tenant roles only)."""
        return use_cases.set_roles(
            context(), provider=identity_provider(), user_id=user_id, roles=body["roles"]
        )


@blp.route("/<string:user_id>/password-reset")
class PasswordReset(MethodView):
    @blp.response(200, PasswordResetSchema)
    @blp.alt_response(409, description="the person is disabled")
    @require_roles(*ADMINS)
    def post(self, user_id: str) -> dict[str, str]:
        """A new temporary password, shown once; the person must change it at next login."""
        user, password = use_cases.reset_password(
            context(), provider=identity_provider(), user_id=user_id
        )
        return {
            "user_id": user.user_id,
            "username": user.username,
            "login": user.login,
            "temporary_password": password,
        }


@roles_blp.route("")
class Roles(MethodView):
    @roles_blp.arguments(PageQuerySchema, location="query")
    @roles_blp.response(200, page_schema(RoleInfoSchema))
    @require_roles(tenant_scoped=False)
    def get(self, paging: PageRequest) -> PageResponse[RoleInfo]:
        """Who can do what: every role with its label, description and capabilities."""
        matrix = use_cases.role_matrix()
        window = matrix[paging.offset : paging.offset + paging.limit]
        return paging.page_of(window, len(matrix))


@roles_blp.route("/<string:role>/users")
class RoleUsers(MethodView):
    @roles_blp.arguments(PageQuerySchema, location="query")
    @roles_blp.response(200, page_schema(UserSchema))
    @require_roles(*ADMINS)
    def get(self, paging: PageRequest, role: str) -> PageResponse[User]:
        """The tenant's people holding ``role``; 404 for a role that does not exist."""
        found = use_cases.users_with_role(
            context(), role=role, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)
