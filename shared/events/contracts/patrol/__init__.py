"""Contracts published by the patrol_tracking service, one module per aggregate.

Importing a module registers its contracts; add a line here for each new module.
"""

from shared.events.contracts.patrol import (
    days,  # noqa: F401 - importing registers
    leave,  # noqa: F401 - importing registers
    periods,  # noqa: F401 - importing registers
    points,  # noqa: F401 - importing registers
    settings,  # noqa: F401 - importing registers
    visits,  # noqa: F401 - importing registers
)
