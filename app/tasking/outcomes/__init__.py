"""Outcome figures: arrests, charges, recalls and more, per officer and team, with charts."""
