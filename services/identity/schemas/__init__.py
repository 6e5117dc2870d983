"""HTTP request and response schemas of identity (never reused as event contracts)."""
