"""Identity domain: districts, tenants, service accounts, users and the identity-provider port.

Plain Python, one module per aggregate. Entities validate their own invariants (raising
`shared.errors.InvalidInput` naming the field) and record what happened as past-tense events,
each a `shared.events.domain.DomainEvent` that knows its contract, key and payload;
persistence, Keycloak and publishing are the use cases' business.
"""
