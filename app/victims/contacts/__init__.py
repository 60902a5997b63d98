"""A victim's contact preferences (how to reach them safely) and the log of every contact."""
