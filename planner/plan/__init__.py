"""Plan: what to change. Siting (:mod:`planner.plan.siting`): where new facilities should go."""
