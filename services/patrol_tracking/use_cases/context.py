"""`PatrolContext`: one request to patrol_tracking (or one consumed message) as its use cases
see it.

Built once at the edge (views: ``request_context(PatrolContext)``; the worker's handlers and
scheduler: ``for_message`` / directly; tests: directly). Every repository comes from here,
bound to the context's tenant and stamping the events it records with the context's producer
and correlation id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import ClassVar

from services.patrol_tracking.repository.leave import LeaveRepository
from services.patrol_tracking.repository.patrol_days import FinalisationMarks, PatrolDayRepository
from services.patrol_tracking.repository.patrol_periods import PatrolPeriodRepository
from services.patrol_tracking.repository.points import PointRepository
from services.patrol_tracking.repository.settings import PatrolSettingsRepository
from services.patrol_tracking.repository.stream import PointStream, point_stream
from services.patrol_tracking.repository.visit_photos import VisitPhotoRepository
from shared.access import AccountStates
from shared.context import RequestContext
from shared.registry.view import RegistryView


@dataclass(frozen=True)
class PatrolContext(RequestContext):
    """patrol_tracking's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "patrol_tracking"

    # The consumer folds a chunk's days while its points are still being inserted: a read of
    # stored points (a day rebuilt) first calls this, which returns once they are all in.
    points_stored: Callable[[], object] | None = None

    def at(self, now: datetime) -> PatrolContext:
        """This context with its clock stopped at ``now`` (the scheduler's instant)."""
        return replace(self, clock=lambda: now)

    @cached_property
    def days(self) -> PatrolDayRepository:
        """Workers' patrol days (巡查日): the fold, the figures and the verdicts."""
        return self.repository(PatrolDayRepository)

    @cached_property
    def periods(self) -> PatrolPeriodRepository:
        """Workers' week and month totals as last published."""
        return self.repository(PatrolPeriodRepository)

    @cached_property
    def finalisation(self) -> FinalisationMarks:
        """How far the tenant's cut-off runs got."""
        return self.repository(FinalisationMarks)

    @cached_property
    def accounts(self) -> AccountStates:
        """The tenant's accounts as identity announced them (`shared.access`): how a worker id
        a request names is known to be the tenant's own. Read only; the worker keeps it."""
        return self.repository(AccountStates)

    @cached_property
    def registry(self) -> RegistryView:
        """The tenant's grids (in force by day, with that day's boundary), grid teams and key
        subjects as grid_registry's events announced them (`shared.registry`). Read only; the
        worker keeps it."""
        return self.repository(RegistryView)

    @cached_property
    def leave(self) -> LeaveRepository:
        """Leave and work-clash filings (请假/工作冲突) and the excuses they give."""
        return self.repository(LeaveRepository)

    @cached_property
    def settings(self) -> PatrolSettingsRepository:
        """The tenant's patrol settings: track, uploads, rules per grid type, leave limit."""
        return self.repository(PatrolSettingsRepository)

    @cached_property
    def points(self) -> PointRepository:
        """The raw GPS points and heartbeats (轨迹点/心跳) the consumer stored, by worker-day."""
        return self.repository(PointRepository).after(self.points_stored)

    @cached_property
    def photos(self) -> VisitPhotoRepository:
        """The photos workers took of their visits to key subjects (走访照片)."""
        return self.repository(VisitPhotoRepository)

    @cached_property
    def stream(self) -> PointStream:
        """Where accepted uploads go: Kafka, acknowledged before the phone is answered."""
        return point_stream()
