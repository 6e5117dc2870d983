"""`RegistryContext`: one request to grid_registry as its use cases see it.

Built once at the edge (views: ``request_context(RegistryContext)``; tests: directly). Every
repository comes from here, bound to the context's tenant and stamping the events it records
with the context's producer and correlation id, so no use case builds a repository, an
outbox entry or an envelope itself. Repositories are built on first use and shared by the
use cases of one request. Every one comes from `repository()`, so a dry run
(`as_dry_run()`: workbook imports with ``?dry_run=true``) reads and checks as usual and
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import ClassVar

from services.grid_registry.repository.base_info import (
    GridDirectory,
    SnapshotRepository,
    SubCategoryRepository,
)
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.filings import FilingItemRepository, FilingRepository
from services.grid_registry.repository.grids import GridRepository, GridSetVersionRepository
from services.grid_registry.repository.subjects import SubjectRepository
from services.grid_registry.repository.teams import TeamRepository
from shared.access import AccountStates
from shared.context import RequestContext


@dataclass(frozen=True)
class RegistryContext(RequestContext):
    """grid_registry's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "grid_registry"
    supports_dry_run: ClassVar[bool] = True

    def at(self, now: datetime) -> RegistryContext:
        """This context with its clock stopped at ``now`` (a resumed split or merge keeps its
        first attempt's instant), with repositories of its own."""
        return replace(self, clock=lambda: now)

    @cached_property
    def divisions(self) -> DivisionRepository:
        return self.repository(DivisionRepository)

    @cached_property
    def grids(self) -> GridRepository:
        return self.repository(GridRepository)

    @cached_property
    def grid_set_versions(self) -> GridSetVersionRepository:
        return self.repository(GridSetVersionRepository)

    @cached_property
    def grid_directory(self) -> GridDirectory:
        """The grids as base information reads them (ids, codes, divisions)."""
        return GridDirectory(self.grids)

    @cached_property
    def teams(self) -> TeamRepository:
        return self.repository(TeamRepository)

    @cached_property
    def subjects(self) -> SubjectRepository:
        return self.repository(SubjectRepository)

    @cached_property
    def snapshots(self) -> SnapshotRepository:
        return self.repository(SnapshotRepository)

    @cached_property
    def sub_categories(self) -> SubCategoryRepository:
        return self.repository(SubCategoryRepository)

    @cached_property
    def filing_items(self) -> FilingItemRepository:
        return self.repository(FilingItemRepository)

    @cached_property
    def filings(self) -> FilingRepository:
        return self.repository(FilingRepository)

    @cached_property
    def accounts(self) -> AccountStates:
        """The tenant's accounts as identity announced them (`shared.access`): how a user id a
        request names is known to be the tenant's own. Read only; the worker keeps it."""
        return self.repository(AccountStates)
