"""Plan: what to change. What-if scenarios (:mod:`planner.plan.scenario`); siting
(:mod:`planner.plan.siting`): where new facilities should go."""
