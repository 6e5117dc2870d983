"""grid_registry's use cases: load -> domain -> save (with the events in the outbox).

Every function takes keyword arguments only, and repositories already bound to the caller's
tenant, so a use case cannot reach another tenant's data.
"""

PRODUCER = "grid_registry"
