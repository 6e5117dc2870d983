"""The grid team repository: one document per grid, domain `GridTeam` in and out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from services.grid_registry.documents.teams import GridTeamDocument, MembershipDocument
from services.grid_registry.domain.teams import GridTeam, Membership, TeamModel, TeamRole
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository


class TeamRepository(TenantRepository[GridTeamDocument]):
    document = GridTeamDocument

    def find_team(self, grid_id: str) -> GridTeam | None:
        """The team of ``grid_id`` in this tenant, or None when nobody was ever assigned."""
        doc = self.get(grid_id)
        return None if doc is None else _to_domain(doc)

    def teams_of(self, grid_ids: Iterable[str]) -> dict[str, GridTeam]:
        """The stored teams among ``grid_ids``, by grid id."""
        ids = sorted(set(grid_ids))
        if not ids:
            return {}
        return {doc.grid_id: _to_domain(doc) for doc in self._query(grid_id__in=ids)}

    def teams_with_user(self, user_id: str) -> list[GridTeam]:
        """Every team ``user_id`` ever belonged to (callers filter by date)."""
        return [_to_domain(doc) for doc in self._query(member_user_ids=user_id)]

    def save_team(self, team: GridTeam, events: Sequence[DomainEvent]) -> GridTeam:
        """Insert (revision 0) or write back the team read at ``team.revision``, with events.

        `Conflict` when two first assignments race, `ConcurrentUpdate` when it moved on.
        """
        doc = _to_document(team)
        if team.revision == 0:
            self.add(doc, events)
            return replace(team, revision=1)
        doc.revision = team.revision
        self.save(doc, events)
        return replace(team, revision=team.revision + 1)


def _to_document(team: GridTeam) -> GridTeamDocument:
    return GridTeamDocument(
        grid_id=team.grid_id,
        tenant_id=team.tenant_id,
        division_id=team.division_id,
        model=team.model.value,
        memberships=[
            MembershipDocument(
                membership_id=m.membership_id,
                role=m.role.value,
                user_id=m.user_id,
                person_name=m.person_name,
                phone=m.phone,
                starts_on=m.starts_on.isoformat(),
                ends_on=None if m.ends_on is None else m.ends_on.isoformat(),
                created_at=m.created_at,
                created_by=m.created_by,
                updated_at=m.updated_at,
                updated_by=m.updated_by,
            )
            for m in team.memberships
        ],
        member_user_ids=sorted({m.user_id for m in team.memberships if m.user_id}),
    )


def _to_domain(doc: GridTeamDocument) -> GridTeam:
    return GridTeam(
        grid_id=doc.grid_id,
        tenant_id=doc.tenant_id,
        division_id=doc.division_id,
        model=TeamModel(doc.model),
        memberships=tuple(
            Membership(
                membership_id=m.membership_id,
                role=TeamRole(m.role),
                user_id=m.user_id,
                person_name=m.person_name,
                phone=m.phone,
                starts_on=date.fromisoformat(m.starts_on),
                ends_on=None if m.ends_on is None else date.fromisoformat(m.ends_on),
                created_at=m.created_at,
                created_by=m.created_by,
                updated_at=m.updated_at,
                updated_by=m.updated_by,
            )
            for m in doc.memberships
        ),
        revision=doc.revision,
    )
