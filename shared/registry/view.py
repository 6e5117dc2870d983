"""`RegistryView`: a service's read model of the grid registry, bound to one tenant.

Written only by the registry handlers (`apply_*`, one consumed event each, see
`shared.registry.handlers`) and read by the service's use cases: which grid contains a position
(`locate`), which grids a worker serves on a day (`grid_ids_of_user`, `own_grids`), every grid
in force on a day with that day's boundary (`grids_in_force`), a grid's division and validity,
the key subjects due visits in some grids (`subjects_of_grids`).

Why plain read-then-write is enough for the `apply_*` methods although FerretDB's updates are
not atomic: every entry is written by events of one aggregate only (a grid, one grid's team,
or one key subject), the registry keys those events `tenant:aggregate` so they share one
partition, and a partition is consumed by one thread of one worker at a time. The entry's
writes therefore never race each other; the `revision` check of `save` (under the write lease)
and the unique `_id` of `add` still turn the rebalance corner case (two consumers briefly on one
partition) into `ConcurrentUpdate` / `Conflict`, which the consumer retries. What remains is
ordering, handled by each entry's `AppliedMark`: a redelivered or older event changes nothing.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import shapely.geometry

from shared.events.domain import EventOrigin
from shared.geometry import GridLocator
from shared.mongo import TenantRepository
from shared.registry import model as domain
from shared.registry.documents import (
    RegistryBoundaryDocument,
    RegistryGridDocument,
    RegistryMembershipDocument,
    RegistryStampDocument,
    RegistrySubjectDocument,
)
from shared.registry.model import AppliedMark, GridRef, Membership, SubjectRef

# A grid in force on a day with the boundary of that day (GeoJSON, [lon, lat] WGS84).
GridOnDay = tuple[GridRef, Mapping[str, Any]]


def _iso_instant(moment: datetime) -> str:
    # Fixed width (microseconds, +00:00): the stored strings order as the instants do.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _iso_day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _mark_of(doc: Any) -> AppliedMark:
    return AppliedMark(datetime.fromisoformat(doc.applied_at), tuple(doc.applied_event_ids))


def _stamp_mark(doc: Any, mark: AppliedMark) -> None:
    doc.applied_at = _iso_instant(mark.occurred_at)
    doc.applied_event_ids = list(mark.event_ids)


class _Keyed(TenantRepository[Any]):
    """A repository whose `_id`s are ``<tenant>|<registry id>``: the registry's ids are its
    own, so the tenant in the key keeps two tenants' entries apart whatever ids they carry."""

    def _key(self, entity_id: str) -> str:
        return f"{self.tenant_id}|{entity_id}"

    def _write(self, doc: Any, found: bool) -> None:
        if found:
            self.save(doc)
        else:
            self.add(doc)


class RegistryGrids(_Keyed):
    document = RegistryGridDocument

    def find(self, grid_id: str) -> tuple[GridRef, AppliedMark] | None:
        doc = self.get(self._key(grid_id))
        return None if doc is None else (_grid_of(doc), _mark_of(doc))

    def all(self) -> list[GridRef]:
        """Every grid of the tenant, in force or not (what the locator is built from)."""
        return [_grid_of(doc) for doc in self._query()]

    def by_code(self, code: str) -> list[GridRef]:
        """Every grid that carries ``code`` (in force or not): an equality on a top-level
        field, so the database answers it."""
        return [_grid_of(doc) for doc in self._query(code=code)]

    def of_division(self, division_id: str) -> list[tuple[str, date, date | None, str]]:
        """(grid id, valid_from, valid_to, status) of the division's grids, boundaries unread."""
        docs = self._query(division_id=division_id).only(
            "grid_id", "valid_from", "valid_to", "status"
        )
        return [
            (doc.grid_id, date.fromisoformat(doc.valid_from), _day(doc.valid_to), doc.status)
            for doc in docs
        ]

    def record(self, grid: GridRef, mark: AppliedMark) -> None:
        doc = self.get(self._key(grid.grid_id))
        found = doc is not None
        if doc is None:
            doc = RegistryGridDocument(key=self._key(grid.grid_id))
        doc.grid_id = grid.grid_id
        doc.division_id = grid.division_id
        doc.code = grid.code
        doc.name = grid.name
        doc.type = grid.type
        doc.status = grid.status
        doc.valid_from = grid.valid_from.isoformat()
        doc.valid_to = _iso_day(grid.valid_to)
        doc.boundary_json = json.dumps(grid.boundary, separators=(",", ":"))
        doc.boundary_valid_from = grid.boundary_valid_from.isoformat()
        doc.boundary_history = [
            RegistryBoundaryDocument(
                boundary_json=json.dumps(version.boundary, separators=(",", ":")),
                valid_from=version.valid_from.isoformat(),
                valid_to=version.valid_to.isoformat(),
            )
            for version in grid.boundary_history
        ]
        _stamp_mark(doc, mark)
        self._write(doc, found)


def _grid_of(doc: Any) -> GridRef:
    return GridRef(
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        code=doc.code,
        name=doc.name,
        type=doc.type,
        status=doc.status,
        valid_from=date.fromisoformat(doc.valid_from),
        valid_to=_day(doc.valid_to),
        boundary=json.loads(doc.boundary_json),
        boundary_valid_from=date.fromisoformat(doc.boundary_valid_from),
        boundary_history=tuple(
            domain.BoundaryVersion(
                boundary=json.loads(version.boundary_json),
                valid_from=date.fromisoformat(version.valid_from),
                valid_to=date.fromisoformat(version.valid_to),
            )
            for version in doc.boundary_history
        ),
    )


class RegistryMemberships(_Keyed):
    document = RegistryMembershipDocument

    def mark(self, membership_id: str) -> AppliedMark | None:
        doc = self.get(self._key(membership_id))
        return None if doc is None else _mark_of(doc)

    def of_user(self, user_id: str) -> list[Membership]:
        return [_membership_of(doc) for doc in self._query(user_id=user_id)]

    def of_grid(self, grid_id: str) -> list[Membership]:
        return [_membership_of(doc) for doc in self._query(grid_id=grid_id)]

    def all(self) -> list[Membership]:
        """Every membership of the tenant, past and present (a day's roll call)."""
        return [_membership_of(doc) for doc in self._query()]

    def record(self, membership: Membership, mark: AppliedMark) -> None:
        doc = self.get(self._key(membership.membership_id))
        found = doc is not None
        if doc is None:
            doc = RegistryMembershipDocument(key=self._key(membership.membership_id))
        doc.membership_id = membership.membership_id
        doc.grid_id = membership.grid_id
        doc.division_id = membership.division_id
        doc.user_id = membership.user_id
        doc.role = membership.role
        doc.starts_on = membership.starts_on.isoformat()
        doc.ends_on = _iso_day(membership.ends_on)
        _stamp_mark(doc, mark)
        self._write(doc, found)


def _membership_of(doc: Any) -> Membership:
    return Membership(
        membership_id=doc.membership_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        user_id=doc.user_id,
        role=doc.role,
        starts_on=date.fromisoformat(doc.starts_on),
        ends_on=_day(doc.ends_on),
    )


class RegistrySubjects(_Keyed):
    document = RegistrySubjectDocument

    def mark(self, subject_id: str) -> AppliedMark | None:
        doc = self.get(self._key(subject_id))
        return None if doc is None else _mark_of(doc)

    def find(self, subject_id: str) -> SubjectRef | None:
        doc = self.get(self._key(subject_id))
        return None if doc is None else _subject_of(doc)

    def active_of_grid(self, grid_id: str) -> list[SubjectRef]:
        """The grid's active subjects: equalities on two top-level fields, answered by the
        database (the ``(tenant_id, grid_id)`` index narrows, status is checked beside it)."""
        return [_subject_of(doc) for doc in self._query(grid_id=grid_id, status=domain.ACTIVE)]

    def active(self) -> list[SubjectRef]:
        """Every active subject of the tenant, in one read (a cut-off measuring many workers
        of a day looks them up by grid in memory)."""
        return [_subject_of(doc) for doc in self._query(status=domain.ACTIVE)]

    def record(self, subject: SubjectRef, mark: AppliedMark) -> None:
        doc = self.get(self._key(subject.subject_id))
        found = doc is not None
        if doc is None:
            doc = RegistrySubjectDocument(key=self._key(subject.subject_id))
        doc.subject_id = subject.subject_id
        doc.grid_id = subject.grid_id
        doc.division_id = subject.division_id
        doc.category = subject.category
        doc.visit_cycle = subject.visit_cycle
        doc.status = subject.status
        doc.lon, doc.lat = (None, None) if subject.location is None else subject.location
        _stamp_mark(doc, mark)
        self._write(doc, found)


def _subject_of(doc: Any) -> SubjectRef:
    located = doc.lon is not None and doc.lat is not None
    return SubjectRef(
        subject_id=doc.subject_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        category=doc.category,
        visit_cycle=doc.visit_cycle,
        status=doc.status,
        location=(float(doc.lon), float(doc.lat)) if located else None,
    )


def _fingerprint(doc: Any) -> str:
    """A stamp's two tokens as one value: it moves with every grid, team or subject change."""
    return f"{doc.token}|{doc.changes or ''}"


class RegistryStamps(TenantRepository[RegistryStampDocument]):
    """The tenant's grid-set stamp: one document whose `_id` is the tenant id."""

    document = RegistryStampDocument

    def current(self) -> str | None:
        """The token now; None before the first grid was recorded."""
        tokens = self.tokens()
        return None if tokens is None else tokens[0]

    def tokens(self) -> tuple[str, str] | None:
        """``(token, fingerprint)`` now, in one read: the grid token, and the fingerprint every
        grid, team or subject change replaces (`fingerprints`); None before the first."""
        doc = self.get(self.tenant_id)
        return None if doc is None else (str(doc.token), _fingerprint(doc))

    def bump(self, *, grids: bool = True) -> None:
        """Fresh random tokens after a change (creating the document on the first one): both
        after a grid change, only `changes` after a team or subject change."""
        fresh = uuid.uuid4().hex
        changed = {"token": fresh, "changes": fresh} if grids else {"changes": fresh}
        on_insert: dict[str, Any] = {"outbox": [], "outbox_pending": False}
        if not grids:
            on_insert["token"] = uuid.uuid4().hex  # a tenant whose team came before its grid
        self._update_one(
            self.tenant_id,
            {"$set": changed, "$inc": {"revision": 1}, "$setOnInsert": on_insert},
            upsert=True,
        )

    @staticmethod
    def fingerprints(comment: str) -> dict[str, str]:
        """Every tenant's registry fingerprint (its two tokens), in one cross-tenant read under
        ``comment`` (`shared.mongo.guard.cross_tenant_comment`): a job that re-checks what it
        derived from the registry compares it with the one it last checked against."""
        rows = RegistryStampDocument.objects.comment(comment).only("token", "changes")
        return {str(doc.key): _fingerprint(doc) for doc in rows}


# -- the locator cache ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayGrids:
    """The grids in force on one day with that day's boundaries, and their locator."""

    in_force: tuple[GridOnDay, ...]
    locator: GridLocator


@dataclass
class _TenantLocators:
    stamp: str
    built_at: float
    by_day: dict[date, _DayGrids] = field(default_factory=dict)
    # Every grid of the cached days by id: as last announced when the stamp was read (the
    # days were built from `RegistryGrids.all`, which is every grid, in force or not).
    by_id: dict[str, GridRef] = field(default_factory=dict)


class LocatorCache:
    """Per tenant, in this process: the grids in force on each Asia/Shanghai day asked about
    and their `GridLocator` (a few days at most: reports and points are of today, late ones of
    the days before), dropped as a whole when the tenant's stamp changes.

    Each look-up costs one `_id` read of the stamp; the STRtree is built only after a grid
    change. The stamp is replaced after the grid is written, so a locator built in between is
    replaced on the next call; `max_age_s` bounds how long one can live if a worker died
    between the two writes and nothing redelivered the event.
    """

    def __init__(self, max_age_s: float = 300.0, days_per_tenant: int = 4) -> None:
        self.max_age_s = max_age_s
        self.days_per_tenant = days_per_tenant
        self._tenants: dict[str, _TenantLocators] = {}
        self._lock = threading.Lock()

    def locator(self, view: RegistryView, day: date) -> GridLocator:
        """The locator of the grids in force on `day` in the view's tenant."""
        return self._day(view, day).locator

    def locate(self, view: RegistryView, day: date, lon: float, lat: float) -> GridRef | None:
        """The grid in force on `day` holding the point, as that day's grids have it (its
        division among it): one stamp read for the grid and what a caller needs of it."""
        grids = self._day(view, day)
        found = grids.locator.locate(lon, lat)
        return next((grid for grid, _ in grids.in_force if grid.grid_id == found), None)

    def in_force(self, view: RegistryView, day: date) -> list[GridOnDay]:
        """The grids in force on `day` in the view's tenant with that day's boundaries, in
        code order (`shared.registry.model.grids_in_force`)."""
        return list(self._day(view, day).in_force)

    def cached_grid(self, view: RegistryView, grid_id: str) -> GridRef | None:
        """The grid as last announced, when a day of the view's tenant is cached under the
        current stamp (no read but the view's stamp); None when it must be read."""
        stamp = view.stamp()
        entry = self._tenants.get(view.tenant_id)
        if (
            entry is None
            or stamp is None
            or entry.stamp != stamp
            or time.monotonic() - entry.built_at >= self.max_age_s
        ):
            return None
        return entry.by_id.get(grid_id)

    def _day(self, view: RegistryView, day: date) -> _DayGrids:
        # Read the stamp before the grids: a change racing this build can only leave the
        # cached locator newer than its stamp, and that change's own stamp replaces it.
        stamp = view.stamp()
        tenant = view.tenant_id
        entry = self._tenants.get(tenant)
        if (
            entry is not None
            and entry.stamp == stamp
            and time.monotonic() - entry.built_at < self.max_age_s
        ):
            found = entry.by_day.get(day)
            if found is not None:
                return found
        else:
            entry = None
        every = view.grids.all()
        in_force = tuple(domain.grids_in_force(every, day))
        built = _DayGrids(
            in_force,
            GridLocator(
                [(grid.grid_id, shapely.geometry.shape(boundary)) for grid, boundary in in_force]
            ),
        )
        if stamp is None:
            return built  # nothing recorded yet: nothing worth keeping
        with self._lock:
            current = self._tenants.get(tenant)
            if entry is None or current is not entry:
                current = _TenantLocators(stamp, time.monotonic())
                self._tenants[tenant] = current
            while len(current.by_day) >= self.days_per_tenant:
                current.by_day.pop(next(iter(current.by_day)))
            current.by_day[day] = built
            current.by_id.update((grid.grid_id, grid) for grid in every)
        return built

    def clear(self) -> None:
        with self._lock:
            self._tenants.clear()


LOCATORS = LocatorCache()


class MembershipCache:
    """Per tenant and user, in this process: the user's memberships as read under the tenant's
    registry fingerprint (`RegistryStamps.tokens`), reused while it is the same (every team
    change replaces it after the membership is written, so an entry read in between is
    replaced on the next call) and for at most `max_age_s`. A phone's every request asks
    which grids its worker serves; a pinned view answers from its stamp read."""

    def __init__(self, max_age_s: float = 300.0, max_entries: int = 20_000) -> None:
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[str, float, list[Membership]]] = {}
        self._lock = threading.Lock()

    def of_user(self, view: RegistryView, user_id: str) -> list[Membership]:
        # The fingerprint before the memberships, as the locators read the stamp first.
        if view.dry_run:
            return view.memberships.of_user(user_id)
        tokens = view.tokens()
        key = (view.tenant_id, user_id)
        found = self._entries.get(key)
        if (
            found is not None
            and tokens is not None
            and found[0] == tokens[1]
            and time.monotonic() - found[1] < self.max_age_s
        ):
            return found[2]
        memberships = view.memberships.of_user(user_id)
        if tokens is not None:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (tokens[1], time.monotonic(), memberships)
        return memberships

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


MEMBERSHIPS = MembershipCache()


# -- the view ------------------------------------------------------------------------------------


class RegistryView:
    """The tenant's grids, grid teams and key subjects as the registry's events announced them.

    Built like a repository (``ctx.repository(RegistryView)`` or ``RegistryView(tenant_id)`` in
    a handler): every read and write stays inside `tenant_id`.
    """

    def __init__(
        self,
        tenant_id: str,
        origin: EventOrigin | None = None,
        *,
        dry_run: bool = False,
        locators: LocatorCache = LOCATORS,
        pinned: bool = False,
    ) -> None:
        self.tenant_id = tenant_id
        self.grids = RegistryGrids(tenant_id, origin, dry_run=dry_run)
        self.memberships = RegistryMemberships(tenant_id, origin, dry_run=dry_run)
        self.subjects = RegistrySubjects(tenant_id, origin, dry_run=dry_run)
        self.stamps = RegistryStamps(tenant_id, origin, dry_run=dry_run)
        self.locators = locators
        self.dry_run = dry_run
        self.pinned = pinned
        self._pinned_tokens: tuple[tuple[str, str] | None] | None = None

    def tokens(self) -> tuple[str, str] | None:
        """The tenant's grid token and registry fingerprint (`RegistryStamps.tokens`, one `_id`
        read): what the process's cached grids and memberships are checked against. A pinned
        view (one request's) reads them once and answers every later call from that read."""
        if not self.pinned:
            return self.stamps.tokens()
        if self._pinned_tokens is None:
            self._pinned_tokens = (self.stamps.tokens(),)
        return self._pinned_tokens[0]

    def stamp(self) -> str | None:
        """The tenant's grid-set stamp now (`tokens`): what the process's cached grids are
        checked against."""
        tokens = self.tokens()
        return None if tokens is None else tokens[0]

    # -- reads ---------------------------------------------------------------------------------

    def locate(self, lon: float, lat: float, at: datetime) -> str | None:
        """The id of the grid in force at `at` whose boundary of that day contains the point
        (the lowest code on a shared border), or None."""
        return self.locators.locator(self, domain.local_day(at)).locate(lon, lat)

    def locate_grid(self, lon: float, lat: float, at: datetime) -> GridRef | None:
        """`locate`, answering the grid itself (with its division): a report located by its
        position then needs no second look-up for the grid's division."""
        return self.locators.locate(self, domain.local_day(at), lon, lat)

    def grid(self, grid_id: str) -> GridRef | None:
        """The grid as last announced (in force or not), or None when unknown here: from the
        process's cached grids when they are current (a stamp read instead of the grid's
        document with its boundary history decoded), else read."""
        cached = self.locators.cached_grid(self, grid_id)
        if cached is not None:
            return cached
        found = self.grids.find(grid_id)
        return None if found is None else found[0]

    def grid_exists_at(self, grid_id: str, at: datetime) -> bool:
        """True when the grid is known and in force on the Asia/Shanghai day of `at`."""
        grid = self.grid(grid_id)
        return grid is not None and grid.in_force_at(at)

    def grid_by_code(self, code: str, at: datetime) -> GridRef | None:
        """The grid with the registry code ``code`` in force at ``at``, or None. A code may
        pass to another grid once its grid retired: the one in force then is meant."""
        found = [grid for grid in self.grids.by_code(code) if grid.in_force_at(at)]
        return min(found, key=lambda grid: grid.grid_id) if found else None

    def division_of(self, grid_id: str) -> str | None:
        grid = self.grid(grid_id)
        return None if grid is None else grid.division_id

    def grid_ids_of_division(self, division_id: str, at: datetime | None = None) -> frozenset[str]:
        """The division's grids: all it ever had, or those in force at `at` when given."""
        day = None if at is None else domain.local_day(at)
        return frozenset(
            grid_id
            for grid_id, valid_from, valid_to, status in self.grids.of_division(division_id)
            if day is None or domain.in_force_on(valid_from, valid_to, status, day)
        )

    def grid_ids_of_user(self, user_id: str, day: date) -> frozenset[str]:
        """The grids whose team has `user_id` on `day` (Asia/Shanghai), any role (the user's
        memberships from the process's cache while the registry fingerprint holds)."""
        return domain.grid_ids_served(MEMBERSHIPS.of_user(self, user_id), user_id, day)

    def members_of(self, grid_id: str, day: date) -> list[Membership]:
        """The grid's team on `day`: memberships covering it, by role then user."""
        found = [m for m in self.memberships.of_grid(grid_id) if m.covers(day)]
        return sorted(found, key=lambda m: (m.role, m.user_id or "", m.membership_id))

    def grids_in_force(self, day: date) -> list[GridOnDay]:
        """Every grid in force on `day` (Asia/Shanghai) with the boundary of that day, in code
        order; cached per process like the locator (one stamp read when nothing changed)."""
        return self.locators.in_force(self, day)

    def own_grids(self, user_id: str, day: date) -> list[GridOnDay]:
        """The grids `user_id` serves on `day` (team membership, any role) that are in force
        that day, with that day's boundaries, in code order."""
        served = self.grid_ids_of_user(user_id, day)
        if not served:
            return []
        return [pair for pair in self.grids_in_force(day) if pair[0].grid_id in served]

    def subject(self, subject_id: str) -> SubjectRef | None:
        """The subject as last announced (active or archived), or None when unknown here."""
        return self.subjects.find(subject_id)

    def subjects_of_grids(self, grid_ids: Iterable[str]) -> list[SubjectRef]:
        """The active key subjects of `grid_ids` with their position and visit cycle, by grid
        then subject id (one equality read per grid)."""
        wanted = set(grid_ids)
        found = [s for grid_id in wanted for s in self.subjects.active_of_grid(grid_id)]
        return domain.due_subjects(found, wanted)

    # -- writes (the registry handlers) --------------------------------------------------------

    def _bump(self) -> None:
        self.stamps.bump()

    def apply_grid(self, state: Mapping[str, Any], *, occurred_at: datetime, event_id: str) -> bool:
        """Apply one `grid.*` event (its contract-loaded payload); False when it was older than
        or the same as what the grid already reflects."""
        found = self.grids.find(state["grid_id"])
        previous, mark = (None, None) if found is None else found
        if not domain.admits(mark, occurred_at, event_id):
            if mark is not None and event_id in mark.event_ids:
                # A redelivery of the last applied event: the worker may have died between the
                # grid write and the stamp, so replace the stamp again (cheap, and idempotent).
                self._bump()
            return False
        grid = domain.grid_from_state(state, occurred_at=occurred_at, previous=previous)
        self.grids.record(grid, _next_mark(mark, occurred_at, event_id))
        self._bump()
        return True

    def apply_membership(
        self, state: Mapping[str, Any], *, occurred_at: datetime, event_id: str
    ) -> bool:
        """Apply one `team.*` event (the membership as it stands after it); False when it
        changed nothing."""
        mark = self.memberships.mark(state["membership_id"])
        if not domain.admits(mark, occurred_at, event_id):
            self._bump_again(mark, event_id)
            return False
        membership = domain.membership_from_state(state)
        self.memberships.record(membership, _next_mark(mark, occurred_at, event_id))
        self.stamps.bump(grids=False)
        return True

    def apply_subject(
        self, state: Mapping[str, Any], *, occurred_at: datetime, event_id: str
    ) -> bool:
        """Apply one `subject.*` event (the subject as it stands after it: a move carries the
        new grid, an archive the new status); False when it changed nothing."""
        mark = self.subjects.mark(state["subject_id"])
        if not domain.admits(mark, occurred_at, event_id):
            self._bump_again(mark, event_id)
            return False
        subject = domain.subject_from_state(state)
        self.subjects.record(subject, _next_mark(mark, occurred_at, event_id))
        self.stamps.bump(grids=False)
        return True

    def _bump_again(self, mark: AppliedMark | None, event_id: str) -> None:
        """A redelivery of the last event a team or subject entry applied: the worker may have
        died between the entry's write and the stamp, so replace `changes` again."""
        if mark is not None and event_id in mark.event_ids:
            self.stamps.bump(grids=False)


def _next_mark(mark: AppliedMark | None, occurred_at: datetime, event_id: str) -> AppliedMark:
    return (
        AppliedMark.of(occurred_at, event_id) if mark is None else mark.after(occurred_at, event_id)
    )
