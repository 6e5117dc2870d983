"""Grid registry domain: divisions, grids, teams, key subjects, base information, filed systems.

Plain Python, one module per aggregate. Entities validate their own invariants (raising
`shared.errors.InvalidInput` naming the field) and record what happened as past-tense events;
persistence and publishing are the use cases' business.
"""
