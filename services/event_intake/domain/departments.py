"""Handling departments (职能部门): where the centre dispatches events and tasks.

A department has a code, a name and its members (the tenant's user ids). A user belongs to
at most one active department, so "which department does this user act for" has one answer.
Departments are deactivated, never deleted: history entries keep naming them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from shared.errors import InvalidInput

CODE_MAX = 32
NAME_MAX = 64
MAX_MEMBERS = 500


@dataclass(frozen=True)
class Department:
    department_id: str
    tenant_id: str
    code: str
    name: str
    member_ids: tuple[str, ...] = ()
    active: bool = True
    revision: int = 0


@dataclass(frozen=True)
class DepartmentChanged:
    department: Department
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = "department.changed"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.department.department_id

    def payload(self) -> dict[str, Any]:
        department = self.department
        return {
            "department_id": department.department_id,
            "code": department.code,
            "name": department.name,
            "active": department.active,
            "member_count": len(department.member_ids),
            "actor": self.actor,
        }


def _text(value: str | None, name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput.of(name, "is required")
    if len(text) > limit:
        raise InvalidInput.of(name, f"is longer than {limit} characters")
    return text


def _members(member_ids: Iterable[str]) -> tuple[str, ...]:
    members = tuple(sorted({member.strip() for member in member_ids if member.strip()}))
    if len(members) > MAX_MEMBERS:
        raise InvalidInput.of("member_ids", f"at most {MAX_MEMBERS} members")
    return members


def create(
    *,
    department_id: str,
    tenant_id: str,
    code: str,
    name: str,
    member_ids: Iterable[str],
    actor: str,
    now: datetime,
) -> tuple[Department, DepartmentChanged]:
    department = Department(
        department_id=department_id,
        tenant_id=tenant_id,
        code=_text(code, "code", CODE_MAX),
        name=_text(name, "name", NAME_MAX),
        member_ids=_members(member_ids),
    )
    return department, DepartmentChanged(department, actor, now)


def change(
    department: Department,
    *,
    actor: str,
    now: datetime,
    name: str | None = None,
    member_ids: Iterable[str] | None = None,
    active: bool | None = None,
) -> tuple[Department, DepartmentChanged]:
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, "name", NAME_MAX)
    if member_ids is not None:
        changes["member_ids"] = _members(member_ids)
    if active is not None:
        changes["active"] = active
    updated = replace(department, **changes)
    return updated, DepartmentChanged(updated, actor, now)
