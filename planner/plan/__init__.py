"""Planning: proposals built on an analysis (how to organise and where to build)."""
