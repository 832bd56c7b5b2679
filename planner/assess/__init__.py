"""Assess: coverage per cell and community, and compliance with the rulebook's standards."""
