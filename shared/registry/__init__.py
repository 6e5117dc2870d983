"""A service's read model of the grid registry (网格台账): grids in force by day with their
boundary history, grid-team memberships and key subjects (重点人员/场所), with a cached grid
locator per tenant and day.

Services never read grid_registry's database; each one that needs the registry keeps this model
in its own database, fed by the registry's events, like `shared.access` keeps identity's:

- `shared.registry.model`: the rules (which grid is in force on a day, with which boundary;
  who serves which grid; which subjects are due visits; which events an entry admits), free of
  any framework;
- `shared.registry.documents`: the stored shape (`DOCUMENTS`: pass them to
  `shared.runtime.run_service_worker` so the worker keeps their indexes);
- `shared.registry.view`: `RegistryView`, the tenant-bound reads and the ``apply_*`` writes;
- `shared.registry.handlers`: the consumer handlers and `routes(grids=, teams=, subjects=)`;
- `shared.registry.testing`: `seed_registry` for tests.

Nothing is re-exported here: importing `shared.registry.model` runs this file, and the model
must load without the store (tests/ops/test_dependency_rule.py).
"""
