"""The event intake domain: events (事项), their workflow, deadlines and the tenant taxonomy.

Plain Python only: no Flask, marshmallow, MongoDB or Kafka (checked by import-linter and
`tests/ops/test_dependency_rule.py`).
"""
