"""Ranking and tasking pages arrive with their issues."""
