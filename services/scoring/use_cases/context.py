"""`ScoringContext`: one request to scoring (or one consumed message) as its use cases see it.

Built once at the edge (views: ``context()``; the worker's handlers: ``for_message``; tests:
directly). Every repository comes from here, bound to the context's tenant and stamping the
events it records with the context's producer and correlation id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from services.scoring.repository.evaluations import EvaluationRepository
from services.scoring.repository.ledger import LedgerRepository
from services.scoring.repository.manual_inputs import ManualInputRepository
from services.scoring.repository.registry import RegistryHistory
from services.scoring.repository.schemes import SchemeRepository
from shared.context import RequestContext
from shared.registry.view import RegistryView


@dataclass(frozen=True)
class ScoringContext(RequestContext):
    """scoring's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "scoring"

    @cached_property
    def ledger(self) -> LedgerRepository:
        """The tenant's metric ledger: one entry per fact learned from an event."""
        return self.repository(LedgerRepository)

    @cached_property
    def manual_inputs(self) -> ManualInputRepository:
        """Values centre staff enter for inputs no service records, with their revisions."""
        return self.repository(ManualInputRepository)

    @cached_property
    def registry_history(self) -> RegistryHistory:
        """The registry read model's grids and memberships as plain columns (no boundaries):
        who a fact counts for as of its day."""
        return self.repository(RegistryHistory)

    @cached_property
    def schemes(self) -> SchemeRepository:
        """The tenant's schemes (考核方案), one document per version."""
        return self.repository(SchemeRepository)

    @cached_property
    def evaluations(self) -> EvaluationRepository:
        """The schemes' period results: final editions, provisional scores, score sheets."""
        return self.repository(EvaluationRepository)

    @cached_property
    def registry(self) -> RegistryView:
        """The tenant's grids, teams and their history as grid_registry's events announced
        them (`shared.registry`): whose sheets a grid role may read (his memberships in the
        period). Read only; the worker keeps it."""
        return self.repository(RegistryView)
