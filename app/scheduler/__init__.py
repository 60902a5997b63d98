"""Scheduled jobs and the single process that runs them (a leader lock and per-period claims)."""
