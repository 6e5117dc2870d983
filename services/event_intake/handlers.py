"""Kafka twin of the views: grid_registry's events -> event_intake's read model of the registry.

The handlers are the platform's (`shared.registry.handlers`), shared with every service that
keeps the model; `services.event_intake.consumers` chooses the topics. Each is idempotent: a
redelivered or older event changes nothing.
"""

from __future__ import annotations

from shared.registry.handlers import Handler, grid_changed, team_changed

__all__ = ["Handler", "grid_changed", "team_changed"]
