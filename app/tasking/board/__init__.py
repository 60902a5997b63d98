"""Lists of tasks: My tasks, the supervisors' board and hidden-harm visits due."""
