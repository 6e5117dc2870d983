"""patrol_tracking's request and response schemas (never reused as event contracts)."""
