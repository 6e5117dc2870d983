"""Departments (职能部门): the centre keeps the list and who acts for each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.event_intake.domain import departments as domain
from services.event_intake.domain.departments import Department
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import FieldProblem, InvalidInput, NotFound, StateConflict
from shared.mongo import Page


def _check_members(ctx: IntakeContext, department_id: str, member_ids: Sequence[str]) -> None:
    unknown = [user for user in member_ids if not ctx.accounts.has_user(user)]
    if unknown:
        raise InvalidInput(
            [FieldProblem("member_ids", f"{user} is not a user of this tenant") for user in unknown]
        )
    elsewhere = ctx.departments.members_elsewhere(department_id, member_ids)
    if elsewhere:
        user, code = sorted(elsewhere.items())[0]
        raise StateConflict(f"{user} already acts for department {code}")


def require(ctx: IntakeContext, department_id: str) -> Department:
    found = ctx.departments.find_department(department_id)
    if found is None:
        raise NotFound(f"department {department_id} not found")
    return found


def create(
    ctx: IntakeContext, *, code: str, name: str, member_ids: Sequence[str] = ()
) -> Department:
    """A new department; publishes `department.changed`. A duplicate code is a 409."""
    department_id = str(uuid.uuid4())
    department, event = domain.create(
        department_id=department_id,
        tenant_id=ctx.tenant_id,
        code=code,
        name=name,
        member_ids=member_ids,
        actor=ctx.actor,
        now=ctx.now(),
    )
    _check_members(ctx, department_id, department.member_ids)
    return ctx.departments.save_department(department, [event])


def change(
    ctx: IntakeContext,
    *,
    department_id: str,
    name: str | None = None,
    member_ids: Sequence[str] | None = None,
    active: bool | None = None,
) -> Department:
    department, event = domain.change(
        require(ctx, department_id),
        actor=ctx.actor,
        now=ctx.now(),
        name=name,
        member_ids=member_ids,
        active=active,
    )
    if department.active:
        _check_members(ctx, department_id, department.member_ids)
    return ctx.departments.save_department(department, [event])


def page(ctx: IntakeContext, *, offset: int, limit: int) -> Page[Department]:
    return ctx.departments.page(offset=offset, limit=limit)
