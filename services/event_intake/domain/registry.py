"""What event_intake knows of the grid registry (网格台账): the read model's rules are the
platform's (`shared.registry.model`), shared with every service that keeps the model; these are
the ones event_intake's use cases name."""

from __future__ import annotations

from shared.registry.model import GridRef, local_day

__all__ = ["GridRef", "local_day"]
