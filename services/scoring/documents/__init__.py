"""MongoDB documents of scoring, one module per aggregate (tenant_id first in every index)."""
