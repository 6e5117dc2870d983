"""Key subject use cases: register, read, list, update, move and archive (重点对象).

Who may see a subject is decided here from the caller's roles and the grids whose team the
caller is on today: the tenant centre sees every subject, a team member those of his grids,
anyone else none (404, never listed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from services.grid_registry.domain import subjects as domain
from services.grid_registry.domain.grids import Grid
from services.grid_registry.domain.teams import today_in_tenant
from services.grid_registry.repository.grids import GridRepository
from services.grid_registry.repository.subjects import SubjectRepository
from services.grid_registry.repository.teams import TeamRepository
from services.grid_registry.use_cases import PRODUCER
from services.grid_registry.use_cases.teams import grids_of_user
from shared.errors import PermissionDenied
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]
SubjectEvent = (
    domain.SubjectRegistered | domain.SubjectUpdated | domain.SubjectMoved | domain.SubjectArchived
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def viewer_for(
    *,
    teams: TeamRepository,
    subject: str,
    roles: Collection[str],
    clock: Clock = _utc_now,
) -> domain.Viewer:
    """The caller as a viewer: centre roles, else the grids whose team he is on today."""
    viewer = domain.viewer_of(subject, roles, ())
    if viewer.sees_all:
        return viewer
    day = today_in_tenant(clock())
    return domain.viewer_of(subject, roles, grids_of_user(teams=teams, user_id=subject, day=day))


def _grid(grids: GridRepository, grid_id: str) -> Grid:
    grid = grids.find_grid(grid_id)
    if grid is None:
        raise NotFound(f"grid {grid_id} not found")
    return grid


def _check_may_work_in(viewer: domain.Viewer, grid_id: str) -> None:
    if not viewer.may_see(grid_id):
        raise PermissionDenied(
            "only the tenant centre and the grid's own team may keep its key subjects"
        )


def _visible(repo: SubjectRepository, viewer: domain.Viewer, subject_id: str) -> domain.Subject:
    subject = repo.find_subject(subject_id)
    # Invisible is indistinguishable from absent: a 403 would confirm the subject exists.
    if subject is None or not viewer.may_see(subject.grid_id):
        raise NotFound(f"subject {subject_id} not found")
    return subject


def _pending(
    repo: SubjectRepository, event: SubjectEvent, correlation_id: str | None
) -> PendingEvent:
    payload: dict[str, Any] = {
        "subject_id": event.subject_id,
        "grid_id": event.grid_id,
        "division_id": event.division_id,
        "category": event.category.value,
        "sub_category": event.sub_category,
        "visit_cycle": event.visit_cycle.value,
        "status": event.status.value,
        "location": (
            None
            if event.location is None
            else {"lon": event.location.lon, "lat": event.location.lat}
        ),
        "actor": event.actor,
    }
    if isinstance(event, domain.SubjectMoved):
        payload["previous_grid_id"] = event.previous_grid_id
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=repo.tenant_id,
        aggregate_id=event.subject_id,
        payload=payload,
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def register_subject(
    *,
    repo: SubjectRepository,
    grids: GridRepository,
    viewer: domain.Viewer,
    actor: str,
    category: str,
    grid_id: str,
    data: Mapping[str, Any],
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Subject:
    """Register a subject in a grid; 409 when its ID number is already registered."""
    grid = _grid(grids, grid_id)
    _check_may_work_in(viewer, grid.grid_id)
    subject, event = domain.register_subject(
        subject_id=str(uuid.uuid4()),
        tenant_id=repo.tenant_id,
        grid=grid,
        category=category,
        data=data,
        actor=actor,
        now=clock(),
    )
    return repo.add_subject(subject, [_pending(repo, event, correlation_id)])


def get_subject(
    *, repo: SubjectRepository, viewer: domain.Viewer, subject_id: str
) -> domain.Subject:
    """The subject, or `NotFound` (also when the viewer may not see it)."""
    return _visible(repo, viewer, subject_id)


def list_subjects(
    *,
    repo: SubjectRepository,
    viewer: domain.Viewer,
    offset: int,
    limit: int,
    grid_id: str | None = None,
    category: str | None = None,
    status: str | None = None,
    visit_cycle: str | None = None,
) -> Page[domain.Subject]:
    """One page of the subjects the viewer may see, by grid then name."""
    allowed = viewer.grid_filter()
    grid_ids: set[str] | None = None if allowed is None else set(allowed)
    if grid_id is not None:
        grid_ids = {grid_id} if grid_ids is None else grid_ids & {grid_id}
    if grid_ids is not None and not grid_ids:
        return Page(items=[], total=0, offset=offset, limit=limit)
    return repo.list_subjects(
        offset=offset,
        limit=limit,
        grid_ids=grid_ids,
        category=category or "",
        status=status or "",
        visit_cycle=visit_cycle or "",
    )


def update_subject(
    *,
    repo: SubjectRepository,
    viewer: domain.Viewer,
    subject_id: str,
    actor: str,
    changes: Mapping[str, Any],
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Subject:
    """Change a subject's details; publishes `subject.updated` (never the personal data)."""
    subject = _visible(repo, viewer, subject_id)
    updated, event = domain.update_subject(subject, changes=changes, actor=actor, now=clock())
    return repo.save_subject(updated, [_pending(repo, event, correlation_id)])


def move_subject(
    *,
    repo: SubjectRepository,
    grids: GridRepository,
    viewer: domain.Viewer,
    subject_id: str,
    grid_id: str,
    actor: str,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Subject:
    """Move a subject to another grid (history kept); publishes `subject.moved`."""
    subject = _visible(repo, viewer, subject_id)
    grid = _grid(grids, grid_id)
    _check_may_work_in(viewer, grid.grid_id)
    moved, event = domain.move_subject(subject, grid=grid, actor=actor, now=clock())
    return repo.save_subject(moved, [_pending(repo, event, correlation_id)])


def archive_subject(
    *,
    repo: SubjectRepository,
    viewer: domain.Viewer,
    subject_id: str,
    reason: str,
    actor: str,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Subject:
    """Archive a subject with a reason; publishes `subject.archived`."""
    subject = _visible(repo, viewer, subject_id)
    archived, event = domain.archive_subject(subject, reason=reason, actor=actor, now=clock())
    return repo.save_subject(archived, [_pending(repo, event, correlation_id)])
