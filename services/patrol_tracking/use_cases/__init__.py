"""patrol_tracking's use cases: the only orchestration (load -> domain -> save with outbox)."""
