"""Contracts published by the grid_registry service, one module per aggregate.

Importing a module registers its contracts; add a line here for each new module.
"""

from shared.events.contracts.registry import base_info, divisions, filings, grids, subjects, teams

__all__ = ["base_info", "divisions", "filings", "grids", "subjects", "teams"]
