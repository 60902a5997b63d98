"""Relationships between persons (partner, ex-partner, family, other), with dates, source and grading."""
