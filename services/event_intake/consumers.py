"""What event_intake consumes: one row per topic. The runner (shared.kafka) owns the poll loop,
commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from shared.registry import handlers as registry

# The registry's grids (to locate reports) and teams (a worker's own grids), kept in
# event_intake's database by the platform's read model. Divisions are not consumed: a grid's
# events carry its division id, the one fact of a division this service uses. Subjects are not
# either: no report or task names a key subject.
ROUTES = registry.routes(grids=True, teams=True, subjects=False)
