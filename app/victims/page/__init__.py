"""The victim page: everything about one victim in one place, and finding a victim."""
