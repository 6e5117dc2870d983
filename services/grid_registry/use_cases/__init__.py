"""grid_registry's use cases: load -> domain -> save (with the events in the outbox).

Every use case takes the request's `RegistryContext` first, then keyword arguments only. The
context is the only way to a repository (all bound to the caller's tenant, so a use case
cannot reach another tenant's data), to the actor and roles, and to the clock, which a use case
reads once.
"""
