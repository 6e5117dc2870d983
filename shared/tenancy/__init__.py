"""A service's read model of identity's tenants: which district (区) each tenant is in.

Identity announces a tenant's district when it onboards it and again when it offboards or
reactivates it (`gridgov.identity.tenants`). A service that reads across the tenants of a
district (survey's district average, scoring's district reports) keeps that as one
`DistrictMembership` per tenant in its own database, like `shared.registry` keeps the grid
registry:

- `shared.tenancy.model`: the rules (a membership, applying one identity message once), free of
  any framework;
- `shared.tenancy.documents`: the stored shape (`DOCUMENTS`: pass them to
  `shared.runtime.run_service_worker` so the worker keeps their indexes);
- `shared.tenancy.repository`: `DistrictMemberRepository` (a tenant's own membership) and
  `DistrictDirectory` (the one read across tenants: a district's members);
- `shared.tenancy.handlers`: the consumer handler and `ROUTES`.

Nothing is re-exported here: importing `shared.tenancy.model` runs this file, and the model
must load without the store (tests/ops/test_dependency_rule.py).
"""
