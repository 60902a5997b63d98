"""Orders pages arrive with the orders issue."""
