"""Scoring model versions: every number of a version, published by admins, never edited."""
