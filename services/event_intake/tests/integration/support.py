"""Helpers for event_intake's integration tests: a tenant's grid registry, seeded in one call
(the platform's `shared.registry.testing`: event_intake keeps the platform's read model).

```python
seed_registry(
    "tenant-a",
    grids=[("g-1", "div-1", "G01", square(120.0, 31.7), date(2026, 1, 1))],
    teams={"g-1": [("worker-1", "full_time_worker", date(2026, 1, 1), None)]},
)
```
"""

from __future__ import annotations

from shared.registry.testing import seed_registry, square

__all__ = ["seed_registry", "square"]
