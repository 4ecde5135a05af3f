"""Assessment boards: committees, members and roles, meetings, cohorts, outcomes, overrides, publication."""
