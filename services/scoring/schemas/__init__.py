"""HTTP request and response schemas of scoring (never reused as event contracts)."""
