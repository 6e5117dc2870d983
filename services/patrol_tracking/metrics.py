"""patrol_tracking's own Prometheus metrics (the platform's RED, consumer, DLQ, outbox and
scheduled-job metrics come from `shared`). Labels bounded: `kind` points or heartbeats,
`outcome` new or repeated (stored) or checked or unchanged (a cut-off visit), `status` a day
verdict, `fact` finalised or corrected. Never a tenant, worker or day."""

from __future__ import annotations

from prometheus_client import Counter

UPLOADED = Counter(
    "gridgov_patrol_uploaded_total",
    "Entries of uploads Kafka acknowledged (the phone got 202), by kind (points, heartbeats)",
    ["kind"],
)
STORED = Counter(
    "gridgov_patrol_stored_total",
    "Entries the uploads consumer stored, by outcome (new; repeated: a resent batch or a "
    "redelivery, already stored)",
    ["outcome"],
)
REBUILDS = Counter(
    "gridgov_patrol_day_rebuilds_total",
    "Worker-days rebuilt from the stored points (late, repeated or out-of-order points, or "
    "the worker's grids changed) instead of folded incrementally",
)
JUDGED = Counter(
    "gridgov_patrol_days_judged_total",
    "Patrol-day facts published, by fact (finalised, corrected) and verdict status",
    ["fact", "status"],
)
CUT_OFF_TENANTS = Counter(
    "gridgov_patrol_cut_off_tenants_total",
    "Tenants the cut-off job visited, by outcome (checked: its due days read and judged; "
    "unchanged: skipped, nothing new due and the registry as at its last full re-check)",
    ["outcome"],
)
