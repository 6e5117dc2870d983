"""patrol_tracking's repositories: built with a tenant; the only modules touching documents."""
