"""identity's use cases: load -> domain -> Keycloak -> save (with the events in the outbox).

Every use case takes the request's context first (`context.IdentityContext` inside a tenant,
`context.PlatformContext` above the tenants), then keyword arguments only: the identity
provider port (Keycloak is reached only through `IdentityProvider`) and the business inputs.
Repositories, the actor, the correlation id and the clock all come from the context.
"""

PRODUCER = "identity"
