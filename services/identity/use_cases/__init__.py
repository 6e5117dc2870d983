"""identity's use cases: load -> domain -> Keycloak -> save (with the events in the outbox).

Every function takes keyword arguments only; tenant-owned data is reached through repositories
already bound to a tenant, and Keycloak only through the `IdentityProvider` port.
"""

PRODUCER = "identity"
