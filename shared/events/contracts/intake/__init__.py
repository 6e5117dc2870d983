"""Contracts published by the event_intake service, one module per aggregate.

Importing a module registers its contracts; add a line here for each new module.
"""

from shared.events.contracts.intake import (
    events,
    hotline,
    inspections,
    photos,
    records,
    settings,
    tasks,
)

__all__ = ["events", "hotline", "inspections", "photos", "records", "settings", "tasks"]
