"""HTTP request and response schemas of grid_registry (never reused as event contracts)."""
