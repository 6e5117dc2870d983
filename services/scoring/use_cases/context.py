"""`ScoringContext`: one request to scoring (or one consumed message) as its use cases see it.

Built once at the edge (views: ``context()``; the worker's handlers: ``for_message``; tests:
directly). Every repository comes from here, bound to the context's tenant and stamping the
events it records with the context's producer and correlation id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from services.scoring.repository.ledger import LedgerRepository
from shared.context import RequestContext


@dataclass(frozen=True)
class ScoringContext(RequestContext):
    """scoring's repositories for one tenant, actor and correlation id."""

    producer: ClassVar[str] = "scoring"

    @cached_property
    def ledger(self) -> LedgerRepository:
        """The tenant's metric ledger: one entry per fact learned from an event."""
        return self.repository(LedgerRepository)
