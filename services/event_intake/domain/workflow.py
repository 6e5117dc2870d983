"""The workflow core the intake aggregates share: events (事项), dispatched tasks (派单) and
inspections (督查) each run their own table of transitions and role rules through it.

What is the same for all three lives here and nowhere else:
- who acts (`Actor`) and in which capacity the history records it (`ActingAs`), and the
  capacity check: the first allowed capacity the actor holds, or 403;
- one history entry (`HistoryEntry`, generic over the aggregate's Action and State enums);
- text checks (`text`) and the client's request id (`request_id_of`): an action whose request
  id is already in the history is a retry and changes nothing (`replayed`), the same id used
  for another action is a 409;
- the shared front of a `transition` (`parse_action`) and the history fields of a payload
  (`entry_payload`);
- a deadline recorded as missed once (`overdue_once`).

Each aggregate keeps its own TRANSITIONS, ROLE_RULES and the changes an action makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import Field, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from shared.auth.principal import Role
from shared.clock import require_aware
from shared.errors import InvalidInput, PermissionDenied, StateConflict

REQUEST_ID_MAX = 64
REASON_MAX = 500
SYSTEM = "system"
CENTRE_ROLES = frozenset({Role.CENTER_STAFF, Role.TENANT_ADMIN})

A = TypeVar("A", bound=StrEnum)
S = TypeVar("S", bound=StrEnum)
T = TypeVar("T")
E = TypeVar("E")


class ActingAs(StrEnum):
    """The capacity an actor acted in, as the history records it."""

    GRID_WORKER = "grid_worker"
    CENTRE = "centre"
    DEPARTMENT = "department"
    INSPECTOR = "inspector"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts: user id, realm roles, the grids he works on today and his department."""

    user_id: str
    tenant_id: str
    roles: frozenset[str]
    grid_ids: frozenset[str] = frozenset()
    department_id: str | None = None


@dataclass(frozen=True)
class HistoryEntry(Generic[A, S]):
    """One entry of an aggregate's history: who, acting as what, when, why, from → to, and the
    client's request id."""

    action: A
    actor: str
    acting_as: ActingAs
    at: datetime
    from_state: S | None
    to_state: S
    reason: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Rule(Generic[T]):
    """One allowed transition: the state it leads to and who may take it."""

    to: T
    by: tuple[ActingAs, ...]


# --- who -----------------------------------------------------------------------------------


def is_centre(actor: Actor) -> bool:
    """Centre staff, or the tenant admin who heads the centre (中心)."""
    return not CENTRE_ROLES.isdisjoint(actor.roles)


def same_tenant(actor: Actor, tenant_id: str, noun: str) -> None:
    """403 when the actor is another tenant's (`noun`: what he acts on)."""
    if actor.tenant_id != tenant_id:
        raise PermissionDenied(f"the {noun} belongs to another tenant")


def acting_as(
    actor: Actor,
    *,
    tenant_id: str,
    noun: str,
    held: Sequence[ActingAs],
    allowed: Sequence[ActingAs],
    what: str,
    who: str | None = None,
) -> ActingAs:
    """The first of `allowed` among the capacities the actor `held`; 403 otherwise, naming the
    allowed capacities (or `who`) that may do `what` to this `noun`."""
    same_tenant(actor, tenant_id, noun)
    for capacity in allowed:
        if capacity in held:
            return capacity
    names = who or ", ".join(capacity.value for capacity in allowed)
    raise PermissionDenied(f"only {names} may {what} this {noun}")


# --- checks --------------------------------------------------------------------------------


def text(value: str | None, name: str, limit: int, *, required: bool) -> str | None:
    """`value` trimmed; None when blank (422 naming `name` when required or too long)."""
    found = None if value is None else value.strip()
    if not found:
        if required:
            raise InvalidInput.of(name, "is required")
        return None
    if len(found) > limit:
        raise InvalidInput.of(name, f"is longer than {limit} characters")
    return found


def request_id_of(request_id: str | None) -> str | None:
    """The client's request id, trimmed; None when absent; 422 when too long."""
    return text(request_id, "request_id", REQUEST_ID_MAX, required=False)


def parse_action(actions: type[A], value: A | str, *, creation: A, use: str) -> A:
    """`value` as one of `actions`; 422 when unknown or when it is the `creation` action, which
    only the aggregate's constructor takes (`use` says which)."""
    try:
        action = actions(value)
    except ValueError:
        raise InvalidInput.of("action", "is not a known action") from None
    if action is creation:
        raise InvalidInput.of("action", use)
    return action


def replayed(history: Sequence[HistoryEntry[A, Any]], request_id: str | None, action: A) -> bool:
    """True when `request_id` is already in the history for `action` (a client's retry: the
    caller answers the aggregate unchanged and records nothing); 409 when it was used for
    another action."""
    if request_id is None:
        return False
    for entry in history:
        if entry.request_id == request_id:
            if entry.action is not action:
                done = entry.action.value
                raise StateConflict(f"request {request_id} was already used to {done}")
            return True
    return False


# --- domain events -------------------------------------------------------------------------

H = TypeVar("H", bound=HistoryEntry[Any, Any])


@dataclass(frozen=True)
class WorkflowEvent(Generic[H]):
    """What happened to one aggregate: each aggregate's base adds the aggregate (its state
    afterwards), `aggregate_id` and `payload`; `entry` is the history entry (None for a fact
    the system records, such as an overdue deadline)."""

    entry: H | None
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1


# --- payloads ------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def entry_payload(entry: HistoryEntry[Any, Any] | None) -> dict[str, Any]:
    """What happened, for a payload: the action, the previous state, who and as what (the
    system, for a fact recorded without a history entry such as an overdue deadline)."""
    return {
        "previous_state": None
        if entry is None or entry.from_state is None
        else entry.from_state.value,
        "action": None if entry is None else entry.action.value,
        "actor": SYSTEM if entry is None else entry.actor,
        "acting_as": ActingAs.SYSTEM.value if entry is None else entry.acting_as.value,
    }


# --- overdue -------------------------------------------------------------------------------


class Watched(Protocol):
    """An aggregate (a dataclass) with one deadline that is recorded as missed once."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def overdue(self) -> bool: ...

    @property
    def deadline_pending(self) -> bool: ...


W = TypeVar("W", bound=Watched)


def overdue_once(
    aggregate: W,
    deadline: datetime | None,
    now: datetime,
    recorded: Callable[[W], E],
) -> tuple[W, tuple[E, ...]]:
    """The aggregate flagged `overdue` and the fact `recorded` for it, when its deadline passed
    by `now` while pending and not recorded yet; otherwise unchanged and nothing recorded."""
    require_aware(now)
    if not aggregate.deadline_pending or deadline is None or now <= deadline:
        return aggregate, ()
    updated = replace(aggregate, overdue=True)
    return updated, (recorded(updated),)
