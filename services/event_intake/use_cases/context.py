"""`IntakeContext`: one request to event_intake (or one consumed message) as its use cases see it.

Built once at the edge (views: ``request_context(IntakeContext)``; the worker's handlers and
scheduler: ``for_message`` / directly; tests: directly). Every repository comes from here,
bound to the context's tenant and stamping the events it records with the context's producer
and correlation id. A dry run (``as_dry_run()``: the 12345 import's ``?dry_run=true``) reads
and checks as usual and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import ClassVar

from services.event_intake.repository.departments import DepartmentRepository
from services.event_intake.repository.events import EventRepository, OverdueMarkRepository
from services.event_intake.repository.hotline import HotlineCallbackRepository
from services.event_intake.repository.inspections import InspectionRepository
from services.event_intake.repository.photos import PhotoRepository
from services.event_intake.repository.records import WorkRecordRepository
from services.event_intake.repository.registry import RegistryView
from services.event_intake.repository.settings import IntakeSettingsRepository
from services.event_intake.repository.tasks import TaskRepository
from shared.access import AccountStates
from shared.context import RequestContext


@dataclass(frozen=True)
class IntakeContext(RequestContext):
    """event_intake's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "event_intake"
    supports_dry_run: ClassVar[bool] = True

    def at(self, now: datetime) -> IntakeContext:
        """This context with its clock stopped at ``now`` (the scheduler's scan instant)."""
        return replace(self, clock=lambda: now)

    @cached_property
    def events(self) -> EventRepository:
        return self.repository(EventRepository)

    @cached_property
    def overdue_marks(self) -> OverdueMarkRepository:
        """The overdue scan's marks (one per event and deadline, insert-only)."""
        return self.repository(OverdueMarkRepository)

    @cached_property
    def settings(self) -> IntakeSettingsRepository:
        """The tenant's taxonomy, deadline policies, calendar overrides and duplicate rule."""
        return self.repository(IntakeSettingsRepository)

    @cached_property
    def departments(self) -> DepartmentRepository:
        return self.repository(DepartmentRepository)

    @cached_property
    def tasks(self) -> TaskRepository:
        """Dispatched tasks (派单)."""
        return self.repository(TaskRepository)

    @cached_property
    def inspections(self) -> InspectionRepository:
        """Inspection findings, complaints and their rectification (督查/整改)."""
        return self.repository(InspectionRepository)

    @cached_property
    def photos(self) -> PhotoRepository:
        """Event photos (事项前后照片): metadata documents, bytes in GridFS."""
        return self.repository(PhotoRepository)

    @cached_property
    def records(self) -> WorkRecordRepository:
        """Work records (工作记录): service records, logs, visits, attendance, findings."""
        return self.repository(WorkRecordRepository)

    @cached_property
    def callbacks(self) -> HotlineCallbackRepository:
        """12345 callback results (回访结果), one per work order."""
        return self.repository(HotlineCallbackRepository)

    @cached_property
    def accounts(self) -> AccountStates:
        """The tenant's accounts as identity announced them (`shared.access`): how a user id a
        request names is known to be the tenant's own. Read only; the worker keeps it."""
        return self.repository(AccountStates)

    @cached_property
    def registry(self) -> RegistryView:
        """The tenant's grids, divisions and grid teams as grid_registry's events announced
        them (locate a position, a worker's grids on a day). Read only; the worker keeps it.
        Pinned: the registry's stamp is read once per request (a report asks it for the
        reporter's grids and again to locate the report)."""
        return RegistryView(self.tenant_id, self.origin, dry_run=self.dry_run, pinned=True)
