"""scoring's repositories: the only modules that touch documents."""
