"""Plan: what-if scenarios, and (from here on) siting and the organisation of the district."""
