"""grid_registry's HTTP API, one blueprint per resource: parse -> one use case -> render."""

from shared.auth import Role

READERS = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)
WRITERS = (Role.TENANT_ADMIN, Role.CENTER_STAFF)
