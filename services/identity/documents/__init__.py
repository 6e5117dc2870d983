"""MongoDB documents of identity, one module per aggregate (tenant_id first in every index)."""
