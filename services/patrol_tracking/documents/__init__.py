"""patrol_tracking's mongoengine documents (tenant_id first in every index)."""
