"""The department repository: domain `Department` in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from services.event_intake.documents.departments import DepartmentDocument
from services.event_intake.domain.departments import Department
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


class DepartmentRepository(TenantRepository[DepartmentDocument]):
    document = DepartmentDocument

    def find_department(self, department_id: str) -> Department | None:
        doc = self.get(department_id)
        return None if doc is None else _to_domain(doc)

    def department_of(self, user_id: str) -> str | None:
        """The active department ``user_id`` acts for, or None."""
        for doc in self._query(member_ids=user_id, active=True).limit(1):
            return str(doc.department_id)
        return None

    def page(self, *, offset: int, limit: int) -> Page[Department]:
        return self.list(offset=offset, limit=limit, order_by=("code",)).map(_to_domain)

    def members_elsewhere(self, department_id: str, member_ids: Sequence[str]) -> dict[str, str]:
        """Of ``member_ids``, those already in another active department: user -> its code."""
        found: dict[str, str] = {}
        for user_id in member_ids:
            for doc in self._query(member_ids=user_id, active=True):
                if doc.department_id != department_id:
                    found[user_id] = doc.code
        return found

    def save_department(self, department: Department, events: Sequence[DomainEvent]) -> Department:
        doc = DepartmentDocument(
            department_id=department.department_id,
            tenant_id=department.tenant_id,
            code=department.code,
            name=department.name,
            member_ids=list(department.member_ids),
            active=department.active,
        )
        if department.revision == 0:
            self.add(doc, events)
            return replace(department, revision=1)
        doc.revision = department.revision
        self.save(doc, events)
        return replace(department, revision=department.revision + 1)


def _to_domain(doc: DepartmentDocument) -> Department:
    return Department(
        department_id=doc.department_id,
        tenant_id=doc.tenant_id,
        code=doc.code,
        name=doc.name,
        member_ids=tuple(doc.member_ids),
        active=doc.active,
        revision=doc.revision,
    )
