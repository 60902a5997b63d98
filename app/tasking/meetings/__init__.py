"""Tasking meetings: the agenda from the ranking and breaches, plans per person, the printable pack."""
