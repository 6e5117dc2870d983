"""identity's repositories, one module per aggregate: the only code that touches documents.

Each repository is built with the caller's tenant and the `EventOrigin` that stamps the events
it records (see `shared.mongo.TenantRepository`; `use_cases.context` builds them) and speaks
domain objects and domain events to the use cases.
"""
