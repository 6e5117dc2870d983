"""MongoDB documents of grid_registry, one module per aggregate (tenant_id first in every index)."""
