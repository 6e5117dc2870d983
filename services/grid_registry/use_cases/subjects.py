"""Key subject use cases: register, read, list, update, move and archive (重点对象).

Who may see a subject is decided here from the context's actor and roles and the grids whose
team the actor is on today: the tenant centre sees every subject, a team member those of his
grids, anyone else none (404, never listed). Only those get its ID number, phone and notes;
the repository stores them encrypted, and `reencrypt_subjects` moves what is stored under older
keys (or as plain text, from before ADR 13) to the current ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.grid_registry.domain import subjects as domain
from services.grid_registry.domain import teams as teams_domain
from services.grid_registry.repository.subjects import SubjectRepository, stored_tenants
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.references import require_grid
from shared.errors import Conflict, NotFound, PermissionDenied
from shared.mongo import ConcurrentUpdate, Page

REENCRYPTION_ATTEMPTS = 3
# Who rewrites stored values under the current keys: the service itself, for no request.
REENCRYPTOR = "grid_registry:reencryption"


def viewer_for(ctx: RegistryContext, *, now: datetime) -> domain.Viewer:
    """The context's actor as a viewer: centre roles, else the grids whose team he is on on
    the tenant day of ``now``."""
    viewer = domain.viewer_of(ctx.actor, ctx.roles, ())
    if viewer.sees_all:
        return viewer
    day = teams_domain.today_in_tenant(now)
    teams = ctx.teams.teams_with_user(ctx.actor)
    return domain.viewer_of(ctx.actor, ctx.roles, teams_domain.grids_of_user(ctx.actor, day, teams))


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


def register_subject(
    ctx: RegistryContext, *, category: str, grid_id: str, data: Mapping[str, Any]
) -> domain.Subject:
    """Register a subject in one of the tenant's grids (422 naming ``grid_id`` otherwise); 409
    when its ID number is already registered."""
    now = ctx.now()
    grid = require_grid(ctx, grid_id)
    _check_may_work_in(viewer_for(ctx, now=now), grid.grid_id)
    subject, event = domain.register_subject(
        subject_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        grid=grid,
        category=category,
        data=data,
        actor=ctx.actor,
        now=now,
    )
    return ctx.subjects.add_subject(subject, [event])


def get_subject(ctx: RegistryContext, *, subject_id: str) -> domain.Subject:
    """The subject, or `NotFound` (also when the caller may not see it)."""
    return _visible(ctx.subjects, viewer_for(ctx, now=ctx.now()), subject_id)


def list_subjects(
    ctx: RegistryContext,
    *,
    offset: int,
    limit: int,
    grid_id: str | None = None,
    category: str | None = None,
    status: str | None = None,
    visit_cycle: str | None = None,
) -> Page[domain.Subject]:
    """One page of the subjects the caller may see, by grid then name; a ``grid_id`` filter
    must name one of the tenant's grids (422)."""
    if grid_id is not None:
        require_grid(ctx, grid_id)
    allowed = viewer_for(ctx, now=ctx.now()).grid_filter()
    grid_ids: set[str] | None = None if allowed is None else set(allowed)
    if grid_id is not None:
        grid_ids = {grid_id} if grid_ids is None else grid_ids & {grid_id}
    if grid_ids is not None and not grid_ids:
        return Page(items=[], total=0, offset=offset, limit=limit)
    return ctx.subjects.list_subjects(
        offset=offset,
        limit=limit,
        grid_ids=grid_ids,
        category=category or "",
        status=status or "",
        visit_cycle=visit_cycle or "",
    )


def update_subject(
    ctx: RegistryContext, *, subject_id: str, changes: Mapping[str, Any]
) -> domain.Subject:
    """Change a subject's details; publishes `subject.updated` (never the personal data)."""
    now = ctx.now()
    subject = _visible(ctx.subjects, viewer_for(ctx, now=now), subject_id)
    updated, event = domain.update_subject(subject, changes=changes, actor=ctx.actor, now=now)
    return ctx.subjects.save_subject(updated, [event])


def move_subject(ctx: RegistryContext, *, subject_id: str, grid_id: str) -> domain.Subject:
    """Move a subject to another of the tenant's grids (422 naming ``grid_id`` otherwise),
    history kept; publishes `subject.moved`."""
    now = ctx.now()
    viewer = viewer_for(ctx, now=now)
    subject = _visible(ctx.subjects, viewer, subject_id)
    grid = require_grid(ctx, grid_id)
    _check_may_work_in(viewer, grid.grid_id)
    moved, event = domain.move_subject(subject, grid=grid, actor=ctx.actor, now=now)
    return ctx.subjects.save_subject(moved, [event])


def archive_subject(ctx: RegistryContext, *, subject_id: str, reason: str) -> domain.Subject:
    """Archive a subject with a reason; publishes `subject.archived`."""
    now = ctx.now()
    subject = _visible(ctx.subjects, viewer_for(ctx, now=now), subject_id)
    archived, event = domain.archive_subject(subject, reason=reason, actor=ctx.actor, now=now)
    return ctx.subjects.save_subject(archived, [event])


@dataclass(frozen=True)
class Reencryption:
    """What one tenant's re-encryption pass did: subjects rewritten under the current keys, and
    those it had to leave because another subject holds the same ID number (a person decides
    which stays; both keep working meanwhile)."""

    tenant_id: str
    rewritten: int
    duplicates: tuple[str, ...]


def reencrypt_subjects(ctx: RegistryContext) -> Reencryption:
    """Rewrite every subject of the tenant whose personal data or ID-number tag is not under
    the current keys (plain text and SHA-256 digests of before ADR 13 included). Idempotent: a
    second run finds nothing to do. Records no event and sees no viewer: it runs for the
    service, never for a request."""
    repo = ctx.subjects
    rewritten = 0
    duplicates: list[str] = []
    for subject_id in repo.stale_subject_ids():
        for attempt in range(1, REENCRYPTION_ATTEMPTS + 1):
            try:
                if repo.reencrypt_subject(subject_id):
                    rewritten += 1
            except ConcurrentUpdate:
                # Someone saved it meanwhile (under the current keys, too): read it again.
                if attempt == REENCRYPTION_ATTEMPTS:
                    raise
                continue
            except Conflict:
                duplicates.append(subject_id)
            break
    return Reencryption(ctx.tenant_id, rewritten, tuple(duplicates))


def tenants_with_subjects() -> list[str]:
    """Every tenant holding key subjects (what a pass over all tenants covers)."""
    return stored_tenants()


def reencrypt_tenants(tenant_ids: Iterable[str]) -> list[Reencryption]:
    """`reencrypt_subjects` for each tenant in turn, acting as `REENCRYPTOR`."""
    return [
        reencrypt_subjects(RegistryContext(tenant_id=tenant_id, actor=REENCRYPTOR))
        for tenant_id in tenant_ids
    ]
