"""Duplicate persons: finding the candidates, merging two records into one, and undoing a merge."""
