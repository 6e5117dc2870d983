"""The use-case side of the intake workflow core, shared by dispatched tasks (派单) and
inspections (督查): who the caller is, a create that a retried request cannot repeat, a
transition retried when it loses a race, and the scheduler's per-tenant overdue marking."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from services.event_intake.domain.registry import local_day
from services.event_intake.domain.workflow import Actor, request_id_of
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import Conflict, NotFound
from shared.events.domain import DomainEvent
from shared.mongo import ConcurrentUpdate

# A transition that loses a race to another writer of the same aggregate reads it again and
# retries (its request id then makes a repeated retry a no-op); after this many it answers 409.
ATTEMPTS = 3
_IDS = uuid.UUID("0d6f1f0e-55a4-4c1b-9a57-7a5c2f3b8e11")

T = TypeVar("T")
Apply = Callable[[T, Actor, datetime], tuple[T, Sequence[Any]]]
Save = Callable[[T, Sequence[Any]], T]


def actor_of(ctx: IntakeContext) -> Actor:
    """The caller as the intake domains judge him: roles, the grids whose team he is on today
    (Asia/Shanghai) and the department he acts for."""
    return Actor(
        user_id=ctx.actor,
        tenant_id=ctx.tenant_id,
        roles=frozenset(ctx.roles),
        grid_ids=ctx.registry.grid_ids_of_user(ctx.actor, local_day(ctx.now())),
        department_id=ctx.departments.department_of(ctx.actor),
    )


def retried_id(ctx: IntakeContext, kind: str, request_id: str | None) -> str:
    """A new aggregate id; derived from the caller's request id when there is one, so a
    retried create collides with the first on the unique `_id` instead of creating twice."""
    if request_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_IDS, f"{kind}:{ctx.tenant_id}:{ctx.actor}:{request_id}"))


def create_once(
    ctx: IntakeContext,
    kind: str,
    request_id: str | None,
    *,
    find: Callable[[str], T | None],
    create: Callable[[str, str | None], tuple[T, DomainEvent]],
    add: Callable[[T, Sequence[DomainEvent]], T],
) -> T:
    """`create(id, request id)` and `add` it; a retry with the same request id answers what
    the first request stored (also when the two raced: the first insert wins)."""
    request = request_id_of(request_id)
    new_id = retried_id(ctx, kind, request)
    if request is not None and (first := find(new_id)) is not None:
        return first
    made, event = create(new_id, request)
    try:
        return add(made, [event])
    except Conflict:
        first = find(new_id) if request is not None else None
        if first is None:
            raise
        return first


def act(
    ctx: IntakeContext,
    *,
    find: Callable[[], T | None],
    missing: str,
    apply: Apply[T],
    save: Save[T],
) -> T:
    """Read, `apply` the caller's transition, write it back revision-checked; a lost race is
    retried (`ATTEMPTS`). 404 (`missing`) when `find` finds nothing; a replayed request
    records nothing and writes nothing."""
    actor = actor_of(ctx)
    for attempt in range(1, ATTEMPTS + 1):
        found = find()
        if found is None:
            raise NotFound(missing)
        updated, events = apply(found, actor, ctx.now())
        if not events:
            return updated
        try:
            return save(updated, events)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def mark_overdue(
    due: Iterable[T],
    now: datetime,
    *,
    record: Callable[[T, datetime], tuple[T, Sequence[Any]]],
    save: Save[T],
) -> int:
    """Record the overdue fact of each `due` aggregate at ``now``, once; how many were marked.
    One that a transition changed meanwhile is left for the next run."""
    marked = 0
    for found in due:
        updated, events = record(found, now)
        if not events:
            continue
        try:
            save(updated, events)
        except ConcurrentUpdate:
            continue
        marked += 1
    return marked
