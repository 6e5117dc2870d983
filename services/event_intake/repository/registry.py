"""event_intake's read model of the grid registry: grids and grid teams in its own database,
kept by the platform's `RegistryView` (`shared.registry.view`) from grid_registry's events
(`services.event_intake.consumers`)."""

from __future__ import annotations

from shared.registry.view import RegistryView

__all__ = ["RegistryView"]
