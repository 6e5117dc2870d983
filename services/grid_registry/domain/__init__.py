"""Grid registry domain: divisions, grids, teams, key subjects, base information, filed systems.

Plain Python, one module per aggregate. Entities validate their own invariants (raising
`shared.errors.InvalidInput` naming the field) and record what happened as past-tense events.
Every event is a `shared.events.domain.DomainEvent`: it names its contract (`type`,
`version`), its aggregate (`aggregate_id`, the message key) and builds its own `payload()`;
the repositories turn it into an outbox entry, nothing else does.
"""
