"""Plan: what to change. What-if scenarios (:mod:`planner.plan.scenario`); siting
(:mod:`planner.plan.siting`): where new facilities should go; regions
(:mod:`planner.plan.regions`): community workstations and governance grids."""
