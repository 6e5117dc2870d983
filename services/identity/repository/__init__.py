"""identity's repositories, one module per aggregate: the only code that touches documents.

Each repository is built with the caller's tenant (see `shared.mongo.TenantRepository`) and
speaks domain objects to the use cases.
"""
