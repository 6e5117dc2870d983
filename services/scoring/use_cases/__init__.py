"""scoring's use cases, one module per capability; each takes the `ScoringContext` of the request
or consumed event first."""
