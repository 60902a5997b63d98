"""Task pages (my tasks, the board, meetings, outcomes) arrive with the tasking issue."""
